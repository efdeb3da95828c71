/**
 * /healthz (the process is alive and not stopping), /readyz (every readiness
 * check passes: Redis answers, the Slack token was verified) and /metrics
 * (Prometheus text). The same handler serves ferry's Slack endpoint (ack-server.ts) in HTTP mode
 * and a small server of its own on 127.0.0.1 in Socket Mode and `ferry worker`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createMetrics, type Metrics } from './metrics.js';
import type { Runtime } from './runtime.js';
import { withTimeout } from './timeout.js';

/** A readiness check: undefined when ready, else why not (one line). */
export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

/** A check that ran out of time counts as not ready. */
const CHECK_TIMEOUT_MS = 1000;

export const HEALTH_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface Health {
  /** Adds a named readiness check. */
  ready(name: string, check: ReadinessCheck): void;
  /** From now on /healthz answers 503 (the process is shutting down). */
  stopping(): void;
  /** Answers one of HEALTH_PATHS (GET). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createHealth(metrics: Metrics): Health {
  const checks = new Map<string, ReadinessCheck>();
  let alive = true;

  const readiness = async (): Promise<string[]> => {
    const results = await Promise.all(
      [...checks].map(async ([name, check]) => {
        const problem = await withTimeout(Promise.resolve(check()), CHECK_TIMEOUT_MS).catch((err: Error) => err.message);
        return `${name}: ${problem ?? 'ok'}`;
      }),
    );
    return results;
  };

  return {
    ready: (name, check) => void checks.set(name, check),
    stopping: () => void (alive = false),
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/healthz') return text(res, alive ? 200 : 503, alive ? 'ok\n' : 'stopping\n');
      if (path === '/readyz') {
        const lines = await readiness();
        const ready = alive && lines.every((l) => l.endsWith(': ok'));
        return text(res, ready ? 200 : 503, `${ready ? 'ready' : 'not ready'}\n${lines.map((l) => `${l}\n`).join('')}`);
      }
      if (path === '/metrics') {
        const body = await metrics.text();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        return;
      }
      text(res, 404, 'not found\n');
    },
  };
}

/** Ready when Redis answers PING. */
export function redisReady(redis: Redis): ReadinessCheck {
  return async () => {
    if (redis.status !== 'ready') return `not connected (${redis.status})`;
    const pong = await redis.ping().catch((err: Error) => err.message);
    return pong === 'PONG' ? undefined : `PING answered ${pong}`;
  };
}

/** A server of its own for `health` on host:port (port 0: a free one); resolves with the port. */
export async function listenHealth(health: Health, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    health.handle(req, res).catch((err: Error) => text(res, 500, `${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * `ferry worker`'s health port (FERRY_HEALTH_HOST:FERRY_HEALTH_PORT): alive,
 * ready when Redis answers, metrics of its SSH execs and of the job queues.
 * Prints the address on stdout.
 */
export async function startWorkerHealth(rt: Runtime): Promise<{ port: number; close(): Promise<void> }> {
  const metrics = createMetrics();
  const health = createHealth(metrics);
  if (rt.redis) health.ready('redis', redisReady(rt.redis));
  if (rt.jobs) metrics.watchJobs(rt.jobs);
  rt.ssh.observe((o) => metrics.sshExec(o));
  const { env } = rt.config;
  const server = await listenHealth(health, env.FERRY_HEALTH_HOST, env.FERRY_HEALTH_PORT);
  console.log(`ferry health on http://${env.FERRY_HEALTH_HOST}:${server.port}`);
  return server;
}

function text(res: ServerResponse, status: number, body: string): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
