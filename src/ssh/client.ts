/**
 * The SSH layer ferry uses: `exec` one argv on one node, `fanOut` to many.
 * Every argument is quoted here (see quote.ts); connections come from the pool.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClientChannel } from 'ssh2';
import { allNodes, type Config, type NodeConfig } from '../config.js';
import { HostKeyError, SshTimeoutError, UnreachableError } from '../errors.js';
import { ConnectionPool, type Lease, type PoolTarget } from './pool.js';
import { buildCommandLine } from './quote.js';
import type { ExecObservation, ExecOptions, ExecResult, FanOutOptions, HostOutcome, Ssh } from './types.js';

const DEFAULT_FAN_OUT_CONCURRENCY = 32;

/** The channel could not be opened because the pooled connection was already gone: safe to retry. */
class StaleConnection extends Error {}

/**
 * Builds the SSH layer from ferry.yml's `ssh` section and nodes. Reads the
 * private key now (a missing key fails at start-up, not at the first command).
 *
 * `timeoutMs` of an exec bounds the whole call: waiting for a free channel,
 * connecting (also bounded by connectTimeoutMs) and running. The phase in the
 * SshTimeoutError says which one ran out. `ExecResult.signal` is the name the
 * server sent, without `SIG` (e.g. `KILL`).
 */
export function createSsh(config: Config, log?: Logger): Ssh {
  const nodes = new Map(allNodes(config).map((n) => [n.name, n]));
  const privateKey = readFileSync(config.ssh.key);
  const pool = new ConnectionPool({
    privateKey,
    knownHostsPath: config.ssh.knownHosts,
    connectTimeoutMs: config.ssh.connectTimeoutMs,
    maxConnectionsPerHost: config.ssh.maxConnectionsPerHost,
    maxChannelsPerConnection: config.ssh.maxChannelsPerConnection,
    keepaliveMs: config.ssh.keepaliveMs,
    idleCloseMs: config.ssh.idleCloseMs,
    jumpHost: config.ssh.jumpHost,
    log,
  });

  const target = (host: string): PoolTarget => {
    const node = nodes.get(host);
    if (!node) throw new Error(`unknown host ${JSON.stringify(host)}: not a node in ferry.yml (${describeNames([...nodes.keys()])})`);
    return toTarget(node);
  };

  const observers: ((o: ExecObservation) => void)[] = [];
  /** Shared reads still waiting for a channel, by node, command and options. */
  const queuedReads = new Map<string, Promise<ExecResult>>();

  const exec = (host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    if (!opts.shared) return observedExec(host, argv, opts);
    const key = JSON.stringify([host, argv, opts.source ?? null, opts.timeoutMs ?? null, opts.maxOutputBytes ?? null]);
    const queued = queuedReads.get(key);
    if (queued) return queued;
    // Once the command is sent, later askers run their own: its answer may predate their asking.
    const sent = () => {
      if (queuedReads.get(key) === read) queuedReads.delete(key);
    };
    const read = observedExec(host, argv, opts, sent);
    queuedReads.set(key, read);
    void read.then(sent, sent);
    return read;
  };

  const observedExec = (host: string, argv: readonly string[], opts: ExecOptions, onSent?: () => void): Promise<ExecResult> => {
    const started = Date.now();
    const seen = (o: Omit<ExecObservation, 'host' | 'ms'>) => observers.forEach((f) => f({ host, ms: Date.now() - started, ...o }));
    return execOnPool(host, argv, opts, onSent).then(
      (r) => (seen({ outcome: 'ok' }), r),
      (err: unknown) => {
        seen({ outcome: outcomeStatus(err), ...(err instanceof SshTimeoutError ? { phase: err.phase } : {}) });
        throw err;
      },
    );
  };

  const execOnPool = async (host: string, argv: readonly string[], opts: ExecOptions, onSent?: () => void): Promise<ExecResult> => {
    const to = target(host);
    const line = buildCommandLine(argv, { source: opts.source });
    const timeoutMs = opts.timeoutMs ?? config.ssh.commandTimeoutMs;
    const cap = opts.maxOutputBytes ?? config.ssh.maxOutputBytes;
    const started = Date.now();
    const deadline = new AbortController();
    let phase: 'connect' | 'command' = 'connect';
    const timer = setTimeout(() => deadline.abort(new SshTimeoutError(host, timeoutMs, phase)), timeoutMs);
    try {
      for (let attempt = 0; ; attempt++) {
        phase = 'connect';
        const lease = await pool.acquire(to, deadline.signal);
        phase = 'command';
        onSent?.();
        try {
          const out = await run(lease, host, line, cap, deadline.signal);
          const result: ExecResult = { host, argv: [...argv], ...out, durationMs: Date.now() - started };
          log?.debug({ host, command: argv[0], exitCode: result.exitCode, ms: result.durationMs }, 'ssh exec');
          return result;
        } catch (err) {
          if (err instanceof StaleConnection && attempt === 0) continue;
          if (err instanceof StaleConnection) throw new UnreachableError(host, err.message);
          throw err;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  };

  const fanOut = async (hosts: readonly string[], argv: readonly string[], opts: FanOutOptions = {}): Promise<HostOutcome[]> => {
    hosts.forEach(target); // an unknown name is a bug in the caller: fail before running anything
    const { concurrency = DEFAULT_FAN_OUT_CONCURRENCY, ...execOpts } = opts;
    const outcomes = new Array<HostOutcome>(hosts.length);
    let next = 0;
    const worker = async () => {
      while (next < hosts.length) {
        const i = next++;
        const host = hosts[i]!;
        outcomes[i] = await exec(host, argv, execOpts).then(
          (result): HostOutcome => ({ host, status: result.exitCode === 0 ? 'ok' : 'failed', result }),
          (err: unknown): HostOutcome => ({ host, status: outcomeStatus(err), error: err instanceof Error ? err : new Error(String(err)) }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, hosts.length)) }, worker));
    return outcomes;
  };

  return { exec, fanOut, observe: (f) => void observers.push(f), stats: () => pool.stats(), close: () => pool.close() };
}

function describeNames(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 4).join(', ')}, … ${names.at(-1)}; ${names.length} nodes`;
}

function toTarget(node: NodeConfig): PoolTarget {
  return { name: node.name, host: node.host, port: node.port, user: node.user };
}

function outcomeStatus(err: unknown): 'timeout' | 'unreachable' | 'host-key' {
  if (err instanceof SshTimeoutError) return 'timeout';
  if (err instanceof HostKeyError) return 'host-key';
  return 'unreachable';
}

type RunOutput = Pick<ExecResult, 'exitCode' | 'signal' | 'stdout' | 'stderr' | 'truncated'>;

/**
 * Runs one command line on a leased connection. On abort (the deadline) the
 * channel is killed and closed without waiting for the far side, and the
 * connection is retired: a server that ignores one command may ignore the next.
 */
function run(lease: Lease, host: string, line: string, cap: number, signal: AbortSignal): Promise<RunOutput> {
  return new Promise<RunOutput>((resolve, reject) => {
    let done = false;
    let channel: ClientChannel | undefined;
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    let exitCode: number | null = null;
    let exitSignal: string | null = null;

    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      offDrop();
      lease.release();
      settle();
    };
    const onAbort = () => {
      lease.retire();
      if (channel) {
        try {
          channel.signal('KILL');
          channel.close();
        } catch {
          // the channel is already gone; nothing to kill
        }
      }
      finish(() => reject(signal.reason));
    };
    if (signal.aborted) {
      lease.release();
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const offDrop = lease.onDrop((err) => finish(() => reject(err)));

    try {
      lease.client.exec(line, (err, ch) => {
        if (done) {
          ch?.close();
          return;
        }
        if (err) {
          finish(() => reject(new UnreachableError(host, `could not start the command: ${err.message}`)));
          return;
        }
        channel = ch;
        ch.on('data', (d: Buffer) => stdout.push(d));
        ch.stderr.on('data', (d: Buffer) => stderr.push(d));
        ch.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = sig ?? null;
        });
        ch.on('error', () => {}); // a close of the connection also closes the channel; handled by onDrop
        // The channel's 'close' waits for stdout's end but not stderr's; wait for both.
        let chClosed = false;
        let errClosed = false;
        const closedOne = () => {
          if (!chClosed || !errClosed) return;
          finish(() =>
            resolve({
              exitCode,
              signal: exitSignal,
              stdout: stdout.text(),
              stderr: stderr.text(),
              truncated: stdout.truncated || stderr.truncated,
            }),
          );
        };
        ch.once('close', () => {
          chClosed = true;
          closedOne();
        });
        ch.stderr.once('close', () => {
          errClosed = true;
          closedOne();
        });
      });
    } catch (err) {
      // ssh2 throws 'Not connected' synchronously when the pooled socket is already closed.
      finish(() => reject(new StaleConnection(`connection lost: ${(err as Error).message}`)));
    }
  });
}

/** Keeps the first `cap` bytes of a stream; the rest is read and dropped so the command can finish. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    let buf = Buffer.concat(this.chunks, this.size);
    if (this.truncated) buf = buf.subarray(0, utf8Boundary(buf));
    return buf.toString('utf8');
  }
}

/** The length of `buf` without a trailing, incomplete UTF-8 sequence (the cap may cut one). */
function utf8Boundary(buf: Buffer): number {
  let i = buf.length - 1;
  let back = 0;
  while (i >= 0 && back < 4 && (buf[i]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > back + 1 ? i : buf.length;
}
