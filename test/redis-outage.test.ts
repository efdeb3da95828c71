/**
 * Redis stopped and started again under a running ferry (the dispatcher `ferry run`
 * and Slack share, with its workers): read commands keep answering, job commands
 * start nothing, and everything recovers by itself when Redis returns.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  // Persisted like a production Redis: a running job is still there after the restart.
  f = await startLabFerry({ computes: 3, instances: 2, migrateSeconds: 2, redis: { persist: true } });
});
afterAll(() => f?.stop());
afterEach(async () => {
  await f.redis!.start();
  await until(() => f.rt.redisReady(), 'ferry to see Redis again');
});

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopRedis() {
  await f.redis!.stop();
  await until(() => !f.rt.redisReady(), 'ferry to see Redis gone');
}

test('with Redis gone, /migrate answers at once that nothing was started, and starts nothing', async () => {
  await stopRedis();
  // "At once": ferry does not queue the request until Redis is back. A generous deadline, not a measurement.
  const answer = f.run('/migrate cirros1 compute02');
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('/migrate did not answer within 30 s with Redis gone: it waits for Redis instead of failing')), 30_000).unref());
  const { report } = await Promise.race([answer, deadline]);
  expect(report.verdict).toBe('FAIL');
  expect(report.job).toBeUndefined();
  expect(report.reasons).toEqual([`Redis at ${f.redis!.url} is unreachable; nothing was started`]);
  expect(f.liveMigrations()).toHaveLength(0);

  // Nothing waits to run once Redis is back: the request was answered, not queued.
  await f.redis!.start();
  await until(() => f.rt.redisReady(), 'ferry to see Redis again');
  expect(await f.rt.jobs!.queue('migrate').getJobCounts('waiting', 'active', 'delayed', 'completed')).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 0 });
  expect(f.liveMigrations()).toHaveLength(0);
});

test('with Redis gone, /gluster peers still answers and says its audit entry went to the log only; once Redis is back the trail has it again', async () => {
  await stopRedis();
  const { report } = await f.run('/gluster peers');
  expect(report.title).toBe('Gluster peers');
  expect(report.tables[0]?.title).toBe('Peers');
  expect(report.notes).toContain(`audit: Redis at ${f.redis!.url} is unreachable; this entry went to the log only`);

  await f.redis!.start();
  await until(() => f.rt.redisReady(), 'ferry to see Redis again');
  const again = await f.run('/gluster peers', 'U_VIEWER');
  expect(again.report.notes.join('\n')).not.toMatch(/audit:/);
  const [newest] = await f.rt.audit.recent(1);
  expect(newest).toMatchObject({ command: 'gluster peers', user: 'U_VIEWER', outcome: 'ok' });
});

test('after Redis comes back, /migrate runs again without restarting ferry', async () => {
  await stopRedis();
  expect((await f.run('/migrate cirros1 compute02')).report.verdict).toBe('FAIL');
  await f.redis!.start();
  await until(() => f.rt.redisReady(), 'ferry to see Redis again');
  const { report } = await f.run('/migrate cirros1 compute02');
  expect(report.job).toBeDefined();
  const final = await f.finish(report);
  expect(final.verdict).toBe('OK');
  expect(f.liveMigrations()).toHaveLength(1);
  expect((await f.rt.cluster.nova.show('cirros1')).host).toBe('compute02');
});

test('a migration running while Redis restarts resumes and ends with the right report, issued once', async () => {
  const before = f.liveMigrations().length;
  const { report } = await f.run('/migrate cirros2 compute03');
  expect(report.job).toBeDefined();
  // Followed from before the outage, as `ferry run` follows its job.
  const finished = f.finish(report);
  await until(() => f.liveMigrations().length === before + 1, 'nova live-migration to be issued');
  await stopRedis();
  await f.redis!.start();
  const final = await finished;
  expect(final.verdict).toBe('OK');
  expect(final.title).toMatch(/cirros2/);
  expect(f.liveMigrations()).toHaveLength(before + 1);
});

test('with Redis gone, /evacuate status and /ferry audit say they could not read Redis, not that nothing was started', async () => {
  await stopRedis();
  for (const [line, user] of [['/evacuate status 3fa2b1c9', 'U_OPS'], ['/ferry audit 5', 'U_ADMIN']] as const) {
    const { report } = await f.run(line, user);
    const name = line.split(' ').slice(0, 2).join(' ');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toEqual([`Redis at ${f.redis!.url} is unreachable; ${name} reads its answer from Redis: ask again once it answers`]);
  }
});
