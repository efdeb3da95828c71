/**
 * `ferry run` and `ferry worker` as child processes with Redis unreachable from
 * the start: answers in one line without a stack trace, and a worker that waits
 * for Redis and takes jobs once it answers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const exec = promisify(execFile);

let f: LabFerry;
const children: ChildProcess[] = [];
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 2, migrateSeconds: 1, redis: true, workers: false });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await f?.stop();
});

const env = () => ({ ...process.env, FERRY_CONFIG: f.lab.configPath, REDIS_URL: f.redis!.url, LOG_LEVEL: 'warn' });

/** `ferry run LINE`: its exit code, stdout and stderr. */
async function ferryRun(line: string) {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', MAIN, 'run', line], { env: env() });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Generous: a child process that tsx compiles on a busy 2-core machine takes tens of seconds to start.
async function until(cond: () => boolean, what: string, timeoutMs = 120_000, seen: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the process printed:\n${seen().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A stack trace, printed or inside a JSON log line.
const STACK = /^\s+at |\\n\s+at /m;

test('ferry run "/gluster peers" with Redis unreachable answers the peers and says the audit went to the log only', async () => {
  await f.redis!.stop();
  const r = await ferryRun('/gluster peers');
  expect(r.stdout).toMatch(/^Gluster peers\n[\s\S]*^Peers\n/m);
  expect(r.stdout).toContain(`audit: Redis at ${f.redis!.url} is unreachable; this entry went to the log only`);
  expect(r.code).toBe(0);
  expect(r.stderr).not.toMatch(STACK);
  // The entry is in the log meanwhile.
  expect(r.stderr).toMatch(/"audit":\{[^}]*"command":"gluster peers"/);
});

test('ferry run "/migrate ..." with Redis unreachable answers in one line that nothing was started', async () => {
  await f.redis!.stop();
  const r = await ferryRun('/migrate cirros1 compute02');
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(`Redis at ${f.redis!.url} is unreachable; nothing was started`);
  expect(r.stdout).not.toMatch(/Stream isn't writeable/);
  expect(`${r.stdout}\n${r.stderr}`).not.toMatch(STACK);
  expect(f.liveMigrations()).toHaveLength(0);
});

test('ferry worker started while Redis is unreachable waits for it, then runs the jobs it gets', async () => {
  await f.redis!.stop();
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  await until(() => out.includes(`ferry worker: Redis at ${f.redis!.url} is unreachable; waiting for it`) || proc.exitCode !== null, 'the worker to say it waits', undefined, () => out);
  expect(proc.exitCode).toBeNull();
  expect(out).not.toContain('ferry worker ready');

  await f.redis!.start();
  await until(() => out.includes('ferry worker ready') || proc.exitCode !== null, 'the worker to be ready', undefined, () => out);
  expect(proc.exitCode).toBeNull();
  await until(() => f.rt.redisReady(), 'the test ferry to see Redis');
  const { report } = await f.run('/migrate cirros1 compute02');
  expect(report.job).toBeDefined();
  const final = await f.finish(report);
  expect(final.verdict).toBe('OK');
  const job = await f.rt.jobs!.queue('migrate').getJob(report.job!.id);
  expect(job?.processedBy).toMatch(new RegExp(`:${proc.pid}$`));
  expect(out).not.toMatch(STACK);
});
