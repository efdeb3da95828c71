/** A real redis-server for the demo, tests and benchmarks: 127.0.0.1, a free port, stopped by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  port: number;
  /** The PID of the redis-server running now. */
  pid: number;
  stop(): Promise<void>;
  /** Starts redis-server again on the same port after stop() (with `persist`, with the data it had); running already: nothing. */
  start(): Promise<void>;
}

export interface RedisServerOptions {
  /** Keep the data across stop() and start() (an append-only file, synced on every write), as a production Redis does. */
  persist?: boolean;
}

/** A port the kernel says is free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(opts: RedisServerOptions = {}): Promise<TestRedis> {
  let port = await freePort();
  let url = `redis://127.0.0.1:${port}`;
  const dir = opts.persist ? mkdtempSync(path.join(tmpdir(), 'ferry-redis-')) : undefined;
  const storage = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess;
  let exited: Promise<void>;
  if (dir) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

  async function launch() {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...storage, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    const proc = child;
    // If our process ends without stop() (a test runner killing its worker), the server must not outlive it.
    const killOnExit = () => proc.kill('SIGTERM');
    process.once('exit', killOnExit);
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => process.off('exit', killOnExit));
    proc.once('error', () => {});
    const deadline = Date.now() + 30_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      // Refused while redis-server is still starting: expected, and retried below.
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        if (proc.exitCode !== null) throw new PortLost(`redis-server on port ${port} exited at start (is redis-server installed, or was the port taken?)`);
        if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  // Between freePort() closing its probe and redis-server binding, another process (a parallel
  // test's lab) may take the port: a first start tries up to three fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (!(err instanceof PortLost) || attempt === 3) throw err;
      port = await freePort();
      url = `redis://127.0.0.1:${port}`;
    }
  }
  return {
    url,
    port,
    get pid() {
      return child.pid!;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async start() {
      if (child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
  };
}

/** redis-server exited while starting: on a first start, most likely its port was taken meanwhile. */
class PortLost extends Error {}
