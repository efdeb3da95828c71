/**
 * A per-host pool of ssh2 connections.
 *
 * Each host gets at most `maxConnectionsPerHost` connections, each carrying at
 * most `maxChannelsPerConnection` channels; callers beyond that wait in a FIFO
 * queue. A slot is reserved on a connection that is still handshaking, so a
 * burst of commands to a fresh host opens one connection, not one per command.
 * A connection that drops is discarded (the next caller opens a new one); one
 * that looked hung is retired (no new channels, closed when its channels end);
 * one left idle for `idleCloseMs` is closed. Host keys are checked against
 * known_hosts on every connect; an unknown or changed key is refused.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createRequire } from 'node:module';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { HostKeyError, SshTimeoutError, UnreachableError } from '../errors.js';
import { fingerprint, hostKeyAlgorithms, isKeyAccepted, knownHostsName, lookupHostKeys, parseKnownHosts } from './known-hosts.js';

// ssh2 (CommonJS) is required at the first connection, not at start-up: commands that
// reach no node, and `ferry --help`, start without loading its crypto.
const require = createRequire(import.meta.url);
const newClient = (): Client => new (require('ssh2') as typeof import('ssh2')).Client();

/** Where to connect: a ferry node (or the jump host) and how to log in. */
export interface PoolTarget {
  /** The name used in errors and stats (the ferry.yml node name). */
  name: string;
  host: string;
  port: number;
  user: string;
}

/** Pool settings; ferry.yml's `ssh` section supplies them. */
export interface PoolOptions {
  /** The private key (OpenSSH format). Never logged. */
  privateKey: Buffer | string;
  /** Path of the known_hosts file; read at every connect, so edits apply to new connections. */
  knownHostsPath: string;
  connectTimeoutMs: number;
  maxConnectionsPerHost: number;
  maxChannelsPerConnection: number;
  /** SSH keepalive interval; 0 disables it. Three unanswered keepalives drop the connection. */
  keepaliveMs: number;
  /** Close a connection idle this long; 0 keeps idle connections open. */
  idleCloseMs: number;
  /** Reach every node through this host (`forwardOut` to the node, then SSH over that channel). */
  jumpHost?: { host: string; port: number; user: string };
  log?: Logger;
}

/** One reserved channel slot on a connection. */
export interface Lease {
  readonly client: Client;
  /** Gives the slot back. Idempotent. */
  release(): void;
  /** Marks the connection suspect (a command on it timed out): no new channels; it closes when idle. */
  retire(): void;
  /** Calls `cb` if the connection drops while the lease is held; returns an unsubscribe function. */
  onDrop(cb: (err: Error) => void): () => void;
}

/** Per-host counters: connections that reached `ready` since start, and those open now. */
export interface PoolStats {
  opened: number;
  open: number;
  /** Callers waiting for a channel, over every host. */
  waiting: number;
  perHost: Record<string, { opened: number; open: number }>;
}

type ConnState = 'connecting' | 'ready' | 'retired' | 'closed';

interface Conn {
  client: Client;
  state: ConnState;
  slots: number;
  ready: Promise<void>;
  idleTimer?: NodeJS.Timeout;
  dropListeners: Set<(err: Error) => void>;
}

interface Waiter {
  resolve(conn: Conn): void;
  reject(err: unknown): void;
}

interface HostPool {
  target: PoolTarget;
  conns: Set<Conn>;
  waiters: Waiter[];
  opened: number;
}

/** See the module comment. */
export class ConnectionPool {
  private readonly hosts = new Map<string, HostPool>();
  private jump?: { client: Client; ready: Promise<void> };
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /**
   * A channel slot on a ready connection to `target`. Waits for a free slot,
   * opening a connection if the host has fewer than the maximum. Rejects with
   * UnreachableError, HostKeyError or SshTimeoutError('connect'), or with
   * `signal.reason` when the signal aborts first.
   */
  async acquire(target: PoolTarget, signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw new UnreachableError(target.name, 'the SSH pool is closed');
    const hp = this.hostPool(target);
    const conn = await new Promise<Conn>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(c);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = hp.waiters.indexOf(waiter);
        if (i >= 0) hp.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      hp.waiters.push(waiter);
      this.pump(hp);
    });
    try {
      await abortable(conn.ready, signal);
    } catch (err) {
      this.release(hp, conn);
      throw err;
    }
    return this.lease(hp, conn);
  }

  /** Connection counters for tests and benchmarks. */
  stats(): PoolStats {
    const perHost: PoolStats['perHost'] = {};
    let opened = 0;
    let open = 0;
    let waiting = 0;
    for (const [name, hp] of this.hosts) {
      waiting += hp.waiters.length;
      const openNow = [...hp.conns].filter((c) => c.state === 'ready' || c.state === 'retired').length;
      perHost[name] = { opened: hp.opened, open: openNow };
      opened += hp.opened;
      open += openNow;
    }
    return { opened, open, waiting, perHost };
  }

  /** Closes every connection and fails every waiter. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const hp of this.hosts.values()) {
      for (const w of hp.waiters.splice(0)) w.reject(new UnreachableError(hp.target.name, 'the SSH pool is closed'));
      for (const conn of hp.conns) closing.push(this.shut(hp, conn, new UnreachableError(hp.target.name, 'the SSH pool is closed')));
    }
    if (this.jump) closing.push(endClient(this.jump.client));
    this.jump = undefined;
    await Promise.all(closing);
  }

  private hostPool(target: PoolTarget): HostPool {
    let hp = this.hosts.get(target.name);
    if (!hp) {
      hp = { target, conns: new Set(), waiters: [], opened: 0 };
      this.hosts.set(target.name, hp);
    }
    return hp;
  }

  /** Hands free slots to waiters, opening connections while under the limit. */
  private pump(hp: HostPool): void {
    const max = this.opts.maxChannelsPerConnection;
    while (hp.waiters.length > 0 && !this.closed) {
      let best: Conn | undefined;
      for (const c of hp.conns) {
        if ((c.state !== 'ready' && c.state !== 'connecting') || c.slots >= max) continue;
        // Prefer ready connections, then the least loaded.
        if (!best || rank(c) < rank(best)) best = c;
      }
      if (!best && hp.conns.size < this.opts.maxConnectionsPerHost) best = this.open(hp);
      if (!best) return;
      best.slots++;
      clearTimeout(best.idleTimer);
      hp.waiters.shift()!.resolve(best);
    }
  }

  private open(hp: HostPool): Conn {
    const client = newClient();
    const conn: Conn = { client, state: 'connecting', slots: 0, ready: Promise.resolve(), dropListeners: new Set() };
    hp.conns.add(conn);
    conn.ready = this.connect(client, hp.target, (err) => void this.shut(hp, conn, err)).then(
      () => {
        if (conn.state !== 'connecting') return;
        conn.state = 'ready';
        hp.opened++;
        this.opts.log?.debug({ host: hp.target.name }, 'ssh connection ready');
        if (conn.slots === 0) this.armIdle(hp, conn);
      },
      (err: unknown) => {
        void this.shut(hp, conn, err as Error);
        throw err;
      },
    );
    conn.ready.catch(() => {}); // waiters see the error; nobody else needs to
    return conn;
  }

  private lease(hp: HostPool, conn: Conn): Lease {
    let released = false;
    return {
      client: conn.client,
      release: () => {
        if (released) return;
        released = true;
        this.release(hp, conn);
      },
      retire: () => {
        if (conn.state === 'ready') conn.state = 'retired';
      },
      onDrop: (cb) => {
        if (conn.state === 'closed') {
          queueMicrotask(() => cb(new UnreachableError(hp.target.name, 'connection lost')));
          return () => {};
        }
        conn.dropListeners.add(cb);
        return () => conn.dropListeners.delete(cb);
      },
    };
  }

  private release(hp: HostPool, conn: Conn): void {
    conn.slots = Math.max(0, conn.slots - 1);
    if (conn.slots === 0 && conn.state === 'retired') {
      void this.shut(hp, conn, new UnreachableError(hp.target.name, 'connection retired'));
    } else if (conn.slots === 0 && conn.state === 'ready') {
      this.armIdle(hp, conn);
    }
    this.pump(hp);
  }

  private armIdle(hp: HostPool, conn: Conn): void {
    if (this.opts.idleCloseMs <= 0) return;
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => {
      if (conn.slots === 0 && conn.state === 'ready') void this.shut(hp, conn, new UnreachableError(hp.target.name, 'idle'));
    }, this.opts.idleCloseMs);
    conn.idleTimer.unref();
  }

  /** Removes a connection from the pool, tells its lease holders, and closes it. */
  private shut(hp: HostPool, conn: Conn, err: Error): Promise<void> {
    if (conn.state === 'closed') return Promise.resolve();
    const wasOpen = conn.state !== 'connecting';
    conn.state = 'closed';
    clearTimeout(conn.idleTimer);
    hp.conns.delete(conn);
    if (wasOpen) this.opts.log?.debug({ host: hp.target.name, reason: err.message }, 'ssh connection closed');
    for (const cb of conn.dropListeners) cb(err);
    conn.dropListeners.clear();
    this.pump(hp);
    return endClient(conn.client);
  }

  /**
   * Connects and authenticates one client. Settles once: ready, or the first
   * failure (host key, timeout, refused, auth). Later drops go to `onDrop`.
   */
  private connect(client: Client, target: PoolTarget, onDrop: (err: Error) => void, direct = false): Promise<void> {
    const timeoutMs = this.opts.connectTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let hostKeyProblem: HostKeyError | undefined;
      const timer = setTimeout(() => fail(new SshTimeoutError(target.name, timeoutMs, 'connect')), timeoutMs);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.destroy();
        reject(err);
      };
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (!settled) fail(hostKeyProblem ?? connectError(target.name, timeoutMs, err));
        else onDrop(new UnreachableError(target.name, `connection lost: ${err.message}`));
      });
      client.on('close', () => {
        if (!settled) fail(hostKeyProblem ?? new UnreachableError(target.name, 'connection closed during the SSH handshake'));
        else onDrop(new UnreachableError(target.name, 'connection lost'));
      });

      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey: this.opts.privateKey,
        // Our own timer above is authoritative; this is a backstop.
        readyTimeout: timeoutMs + 1000,
        keepaliveInterval: this.opts.keepaliveMs,
        keepaliveCountMax: 3,
        ...this.pinnedAlgorithms(target),
        hostVerifier: (key: Buffer) => {
          hostKeyProblem = this.checkHostKey(target, key);
          return hostKeyProblem === undefined;
        },
      };
      const viaJump = this.opts.jumpHost && !direct ? this.forward(target) : undefined;
      if (!viaJump) {
        client.connect(config);
        // Every exec is a small request and a small answer: Nagle's algorithm would hold each for ~40 ms.
        // ssh2 has no option for it, so set it on the socket it just created.
        (client as unknown as { _sock?: { setNoDelay?: (on: boolean) => void } })._sock?.setNoDelay?.(true);
        return;
      }
      viaJump.then(
        (sock) => {
          if (settled) sock.close();
          else client.connect({ ...config, sock });
        },
        (err: Error) => fail(err instanceof UnreachableError || err instanceof HostKeyError || err instanceof SshTimeoutError ? err : new UnreachableError(target.name, `via jump host: ${err.message}`)),
      );
    });
  }

  /** The target's keys in known_hosts (read at every connect, so an edit takes effect without a restart). */
  private knownKeys(target: PoolTarget) {
    let text = '';
    try {
      text = readFileSync(this.opts.knownHostsPath, 'utf8');
    } catch (err) {
      this.opts.log?.warn({ path: this.opts.knownHostsPath, code: (err as NodeJS.ErrnoException).code }, 'cannot read known_hosts');
    }
    return lookupHostKeys(parseKnownHosts(text), target.host, target.port);
  }

  /** Offer only the algorithms of the pinned keys, so the server presents one of them. */
  private pinnedAlgorithms(target: PoolTarget): Pick<ConnectConfig, 'algorithms'> {
    const algorithms = hostKeyAlgorithms(this.knownKeys(target).keys);
    return algorithms.length ? { algorithms: { serverHostKey: algorithms as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> } } : {};
  }

  /** undefined when the presented key is pinned for the target; otherwise the error to report. */
  private checkHostKey(target: PoolTarget, key: Buffer): HostKeyError | undefined {
    const known = this.knownKeys(target);
    if (isKeyAccepted(known, key)) return undefined;
    const presented = fingerprint(key);
    const expected = known.keys.map((e) => fingerprint(e.key)).filter((f) => f !== presented);
    this.opts.log?.error(
      { host: target.name, knownHostsName: knownHostsName(target.host, target.port), presented, expected },
      'ssh host key refused',
    );
    return new HostKeyError(target.name, presented, expected);
  }

  private jumpTarget(): PoolTarget {
    const j = this.opts.jumpHost!;
    return { name: `jump host ${j.host}`, host: j.host, port: j.port, user: j.user };
  }

  /** A direct-tcpip channel through the (shared, lazily connected) jump host to the target. */
  private async forward(target: PoolTarget): Promise<ClientChannel> {
    if (!this.jump) {
      const client = newClient();
      const jump = {
        client,
        ready: this.connect(
          client,
          this.jumpTarget(),
          () => {
            if (this.jump === jump) this.jump = undefined;
          },
          true,
        ),
      };
      this.jump = jump;
      jump.ready.catch(() => {
        if (this.jump === jump) this.jump = undefined;
      });
    }
    const { client, ready } = this.jump;
    await ready;
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
        if (err) reject(new UnreachableError(target.name, `jump host could not reach ${target.host}:${target.port}: ${err.message}`));
        else resolve(stream);
      });
    });
  }
}

function rank(c: Conn): number {
  return (c.state === 'ready' ? 0 : 1000) + c.slots;
}

function connectError(host: string, timeoutMs: number, err: Error & { level?: string; code?: string }): Error {
  if (err.level === 'client-timeout') return new SshTimeoutError(host, timeoutMs, 'connect');
  if (err.level === 'client-authentication') return new UnreachableError(host, 'authentication failed: the server did not accept ferry\'s key');
  if (err.code === 'ECONNREFUSED') return new UnreachableError(host, 'connection refused');
  return new UnreachableError(host, err.code ? `${err.code}: ${err.message}` : err.message);
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Ends a client politely, then destroys it if the far side does not close within a second. */
function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 1000);
    timer.unref();
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      client.end();
    } catch {
      client.destroy();
    }
  });
}
