/**
 * A run that crashes half-way leaves gluster daemons, FUSE mounts, loop devices and namespaces
 * behind; `bed.sh cleanup` finds them by name and removes them (npm run test:real).
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, expect, test } from 'vitest';
import { bedSh, expectNoLeftovers, waitUntil, BED_SH, NODES } from './support/bed.js';
import { isAlive, nodeProcesses, PROC } from './support/cli-truth.js';

afterAll(async () => {
  await bedSh(['cleanup']);
  await expectNoLeftovers();
});

test('bed.sh cleanup removes what a bring-up killed half-way left behind, and stops its daemons by PID, even those whose namespace is no longer pinned', async () => {
  const up = spawn('bash', [BED_SH, 'up'], { detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => up.once('exit', resolve));
  // Killed once compute01 has its FUSE mount: namespaces, loop devices, glusterd, bricks and mounts all exist.
  await Promise.race([
    waitUntil('compute01 to mount the volume', async () => (await nodeProcesses('compute01').catch(() => [])).some((p) => PROC.fuse.test(p.args)), 240_000),
    exited.then((code) => Promise.reject(new Error(`bed.sh up exited (${String(code)}) before compute01 mounted the volume`))),
  ]);
  process.kill(-up.pid!, 'SIGKILL');
  await exited;
  const pids = (await Promise.all(NODES.map((n) => nodeProcesses(n).catch(() => [])))).flat().map((p) => p.pid);
  expect(pids.length).toBeGreaterThan(0);
  // As an interrupted cleanup leaves it: compute02's namespace no longer pinned, its processes still in it.
  execFileSync('ip', ['netns', 'del', 'frg-compute02']);
  const left = (await bedSh(['leftovers'])).stdout;
  expect(left).toMatch(/leftover: netns frg-compute01/);
  expect(left).toMatch(/leftover: process \d+ on compute02\.stack: .*glusterd/);

  const cleanup = await bedSh(['cleanup']);
  expect(cleanup.stdout).toBe('');
  expect(cleanup.code).toBe(0);
  expect(pids.filter(isAlive)).toEqual([]);
  expect(await bedSh(['leftovers'])).toMatchObject({ stdout: '', code: 0 });
}, 300_000);
