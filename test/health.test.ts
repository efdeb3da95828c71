/**
 * `ferry worker`'s health port, and what /readyz says of Redis: a real
 * `ferry worker` process on a lab and a real redis-server, asked over HTTP on
 * 127.0.0.1; a Redis that stops answering makes ferry not ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';
import { connectRedis } from '../src/redis.js';
import { createMetrics } from '../src/metrics.js';
import { createHealth, listenHealth, redisReady } from '../src/health.js';
import { startRedis, type TestRedis } from './support/redis.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

describe('ferry worker’s /healthz, /readyz and /metrics', () => {
  let dir: string;
  let lab: Lab;
  let redis: TestRedis;
  let worker: ChildProcess;
  let output = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ferry-health-'));
    [lab, redis] = await Promise.all([startLab({ dir, computes: 3, instances: 3 }), startRedis()]);
    const env = { ...process.env, FERRY_CONFIG: lab.configPath, REDIS_URL: redis.url, FERRY_HEALTH_PORT: '0', LOG_LEVEL: 'warn' };
    worker = spawn(process.execPath, [...process.execArgv, '--import', 'tsx', MAIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    worker.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    worker.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await waitUntil(() => output.includes('ferry worker ready') || worker.exitCode !== null, 'ferry worker to start');
    if (worker.exitCode !== null) throw new Error(`ferry worker exited ${worker.exitCode}:\n${output}`);
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGKILL');
      await exited;
    }
    await Promise.allSettled([lab?.stop(), redis?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('are served on 127.0.0.1: alive, ready with Redis answering, job counts per queue and state', async () => {
    const base = /ferry health on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(base, output).toBeDefined();
    expect(await text(`${base}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    expect(await text(`${base}/readyz`)).toEqual({ status: 200, body: 'ready\nredis: ok\n' });
    const metrics = (await text(`${base}/metrics`)).body;
    for (const queue of ['migrate', 'evacuate', 'bootstrap']) expect(metrics).toMatch(new RegExp(`^ferry_jobs\\{queue="${queue}",state="waiting"\\} 0$`, 'm'));
  });
});

describe('/readyz and Redis', () => {
  test('says not ready, naming Redis, once Redis stops answering; /healthz stays ok', async () => {
    const redis = await startRedis();
    const conn = await connectRedis(redis.url);
    const health = createHealth(createMetrics());
    health.ready('redis', redisReady(conn));
    const server = await listenHealth(health, '127.0.0.1', 0);
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await text(`${base}/readyz`)).status).toBe(200);
      await redis.stop();
      let ready = await text(`${base}/readyz`);
      const deadline = Date.now() + 15_000;
      while (ready.status === 200 && Date.now() < deadline) ready = await text(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatch(/^not ready\nredis: (?!ok)/);
      expect(await text(`${base}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    } finally {
      conn.disconnect();
      await server.close();
    }
  });
});

async function text(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

async function waitUntil(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
