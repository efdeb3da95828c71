/**
 * idleOtherThreads, run in a child process of its own (a worker thread beside its main
 * thread), so this test's own threads keep their class: the others go to SCHED_IDLE and
 * the calling thread stays normal; without chrt, every thread stays as it was and the
 * answer says why.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const MODULE = new URL('../src/thread-policy.ts', import.meta.url).href;

/** Starts a worker thread, calls idleOtherThreads from the main thread, prints the outcome and each thread's policy (0 normal, 5 SCHED_IDLE). */
const SCRIPT = `
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
const { idleOtherThreads, currentThreadId } = await import(${JSON.stringify(MODULE)});
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((resolve) => worker.once('online', resolve));
const outcome = await idleOtherThreads();
const policy = (tid) => { const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]); };
const self = currentThreadId();
const others = readdirSync('/proc/self/task').filter((t) => t !== self).map(policy);
console.log(JSON.stringify({ outcome, self: policy(self), others }));
await worker.terminate();
`;

async function runScript(env: NodeJS.ProcessEnv): Promise<{ outcome: { idled: number; problems: string[] }; self: number; others: number[] }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { env, timeout: 60_000 });
  return JSON.parse(stdout) as never;
}

test('every other thread goes to SCHED_IDLE and the calling thread stays normal', async () => {
  const { outcome, self, others } = await runScript(process.env);
  expect(outcome.problems).toEqual([]);
  expect(self).toBe(0);
  // The worker thread and V8's helpers at least.
  expect(others.length).toBeGreaterThanOrEqual(2);
  expect(others).toEqual(others.map(() => 5));
  expect(outcome.idled).toBe(others.length);
});

test('without chrt every thread keeps its class, and the answer names what is missing', async () => {
  // A PATH with a shell and nothing else.
  const bin = await mkdtemp(path.join(tmpdir(), 'ferry-no-chrt-'));
  await symlink('/bin/sh', path.join(bin, 'sh'));
  const { outcome, self, others } = await runScript({ ...process.env, PATH: bin }).finally(() => rm(bin, { recursive: true }));
  expect(self).toBe(0);
  expect(others.every((p) => p === 0)).toBe(true);
  expect(outcome.idled).toBe(0);
  expect(outcome.problems.length).toBe(others.length);
  expect(outcome.problems[0]).toMatch(/^\d+: .*chrt.*not found/);
});
