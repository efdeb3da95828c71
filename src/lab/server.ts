/**
 * One lab node as a real SSH server: ssh2 Server behind our own net.Server on
 * 127.0.0.1, its own ed25519 host key, public-key auth with the lab key only,
 * and `exec` requests handed to the cluster model.
 *
 * We accept TCP ourselves and hand sockets to ssh2 (`injectSocket`) so the
 * transport faults are exact: `down` closes the listener and drops every
 * connection, `hang` accepts new TCP connections but never speaks SSH on them
 * and never answers an exec on the existing ones, `slow MS` delays answers.
 * A node also forwards `direct-tcpip` to the lab's own ports, so any node can
 * serve as ferry's jump host; nothing outside the lab is reachable through it.
 */
import { generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import type { LabModel } from './types.js';

// ssh2 is CommonJS: Node's ESM loader only sees its default export.
const { Server, utils } = ssh2;

/**
 * A fresh ed25519 key pair in OpenSSH format. ssh2 1.17 strips a leading zero
 * byte of the public key, so about 1 key in 256 is malformed (mscdex/ssh2#1390,
 * #1513); such a pair is thrown away and drawn again.
 */
export function generateEd25519(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const priv = utils.parseKey(pair.private);
    const pub = utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error) && priv.getPublicSSH().equals(pub.getPublicSSH())) {
      return { private: pair.private, public: pair.public.trim() };
    }
  }
}

/** The faults the transport itself handles; the model gets every other one. */
export const TRANSPORT_FAULTS = ['down', 'up', 'hang', 'unhang', 'slow'] as const;
export type TransportFault = (typeof TRANSPORT_FAULTS)[number];

/** Whether a fault name is one the SSH server handles (rather than the model). */
export function isTransportFault(fault: string): fault is TransportFault {
  return (TRANSPORT_FAULTS as readonly string[]).includes(fault);
}

/** Options of one lab node's SSH server. */
export interface NodeServerOptions {
  node: string;
  model: LabModel;
  /** The only public key accepted for login (OpenSSH `ssh-ed25519 AAAA...`). */
  authorizedKey: string;
  /** Listen on this port; 0 (default) picks a free one. */
  port?: number;
  /** Lab-wide delay before each exec answer, read at every exec. */
  latencyMs?: () => number;
  /**
   * Ports on 127.0.0.1 this node may forward to (`direct-tcpip`, i.e. acting as
   * a jump host). Everything else is refused, so the lab never reaches outside.
   */
  forwardablePorts?: () => ReadonlySet<number>;
}

/** One node's SSH server. Call `start()` before use. */
export class NodeServer {
  readonly node: string;
  /** The host's public key, OpenSSH format (`ssh-ed25519 AAAA...`). */
  readonly hostPublicKey: string;
  private readonly ssh: InstanceType<typeof Server>;
  private readonly tcp: net.Server;
  private readonly allowed: ParsedKey;
  private readonly sockets = new Set<net.Socket>();
  private readonly hungSockets = new Set<net.Socket>();
  private portNumber: number;
  private listening = false;
  private hung = false;
  private slowMs = 0;

  constructor(private readonly opts: NodeServerOptions) {
    this.node = opts.node;
    this.portNumber = opts.port ?? 0;
    const parsed = utils.parseKey(opts.authorizedKey);
    if (parsed instanceof Error) throw new Error(`lab: bad authorized key: ${parsed.message}`);
    this.allowed = parsed;
    const hostKey = generateEd25519(`${opts.node}.lab`);
    this.hostPublicKey = hostKey.public;
    // Like a real sshd, the node also has an ECDSA host key; known_hosts pins the ed25519 one.
    const ecdsa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    this.ssh = new Server({ hostKeys: [hostKey.private, ecdsa], ident: 'OpenSSH_9.6 ferry-lab' }, (client) => this.onClient(client));
    this.tcp = net.createServer((sock) => this.onSocket(sock));
  }

  /** The TCP port (known after `start`). */
  get port(): number {
    return this.portNumber;
  }

  /** Listens on 127.0.0.1 (the configured port, or a free one the first time). */
  async start(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.tcp.once('error', onError);
      this.tcp.listen({ port: this.portNumber, host: '127.0.0.1', exclusive: true }, () => {
        this.tcp.off('error', onError);
        resolve();
      });
    });
    this.portNumber = (this.tcp.address() as net.AddressInfo).port;
    this.listening = true;
  }

  /** Applies a transport fault: down, up, hang, unhang, slow MS (`slow 0` clears it). */
  async fault(fault: TransportFault, arg?: string): Promise<void> {
    switch (fault) {
      case 'down':
        await this.stop();
        return;
      case 'up':
        await this.start();
        return;
      case 'hang':
        this.hung = true;
        return;
      case 'unhang':
        this.hung = false;
        // Connections that were left waiting now get their handshake, as from a node that recovers.
        for (const s of this.hungSockets) if (!s.destroyed) this.ssh.injectSocket(s);
        this.hungSockets.clear();
        return;
      case 'slow': {
        const ms = Number(arg ?? '');
        if (!Number.isInteger(ms) || ms < 0) throw new Error(`slow needs milliseconds (an integer >= 0), got ${JSON.stringify(arg)}`);
        this.slowMs = ms;
        return;
      }
    }
  }

  /** Stops listening and drops every connection (the port stays reserved for `up` by number only). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.hungSockets.clear();
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private onSocket(sock: net.Socket): void {
    this.sockets.add(sock);
    // As a real sshd does: no Nagle delay on interactive traffic.
    sock.setNoDelay(true);
    sock.on('close', () => {
      this.sockets.delete(sock);
      this.hungSockets.delete(sock);
    });
    sock.on('error', () => {});
    if (this.hung) {
      // Accept the TCP connection and say nothing: the client's handshake never completes.
      this.hungSockets.add(sock);
      return;
    }
    this.ssh.injectSocket(sock);
  }

  private onClient(client: Connection): void {
    client.on('error', () => {}); // a dropped client is normal in a lab with faults
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const want = this.allowed.getPublicSSH();
      const same = ctx.key.algo === this.allowed.type && ctx.key.data.length === want.length && timingSafeEqual(ctx.key.data, want);
      if (!same) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do; with one, check it.
      if (ctx.signature && ctx.blob && this.allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(['publickey']);
      }
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        const local = info.destIP === '127.0.0.1' || info.destIP === 'localhost';
        if (this.hung || !local || !this.opts.forwardablePorts?.().has(info.destPort)) return reject();
        const upstream = net.connect(info.destPort, '127.0.0.1');
        upstream.once('error', () => reject());
        upstream.once('connect', () => {
          const channel = accept();
          channel.on('error', () => upstream.destroy());
          upstream.on('error', () => channel.destroy());
          channel.pipe(upstream).pipe(channel);
        });
      });
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          void this.answer(channel, info.command);
        });
      });
    });
  }

  private async answer(channel: ServerChannel, commandLine: string): Promise<void> {
    let closed = false;
    channel.on('close', () => {
      closed = true;
    });
    channel.on('error', () => {});
    const delay = (this.opts.latencyMs?.() ?? 0) + this.slowMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    // A hung node never answers; the client's own timeout has to give up.
    if (this.hung || closed) return;
    let result;
    try {
      result = await this.opts.model.run(this.node, commandLine);
    } catch (err) {
      result = { stdout: '', stderr: `lab: ${err instanceof Error ? err.message : String(err)}\n`, exitCode: 70 };
    }
    if (this.hung || closed) return;
    if (result.stdout) channel.write(result.stdout);
    if (result.stderr) channel.stderr.write(result.stderr);
    channel.exit(result.exitCode);
    channel.end();
  }
}
