/**
 * The ends of an abort that depend on timing, with the lab's clock held still
 * (Date only: SSH, the lab's servers and ferry's polling run on real timers):
 * an abort that reaches the compute after the copy is done, and one nova has
 * not acted on by the deadline.
 */
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';
import { abortAndFollow, runningMigration } from '../src/jobs/migration-abort.js';
import type { LabModelHandle } from '../src/lab/model.js';
import { NovaOps } from '../src/cluster/nova.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 2, migrateSeconds: 10 });
});
afterAll(() => f?.stop());
afterEach(() => vi.useRealTimers());

const t0 = Date.parse('2026-11-28T03:00:00Z');
const labState = () => (f.lab.model as LabModelHandle).state;

/** Starts a live migration by hand at t0 (as someone on the control node would) and returns what ferry sees of it. */
async function migrationStartedByHand(name: string, target: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(t0);
  await f.lab.model.run('control', `. /root/openrc && nova live-migration ${name} ${target}`);
  const { nova } = f.rt.cluster;
  const server = await nova.show(name, { minimal: true });
  return { nova, server, running: (await runningMigration(nova, server.id))! };
}

test('an abort nova accepts with half a second of copy left arrives too late: FAIL saying it moved, with the record', async () => {
  const { nova, server, running } = await migrationStartedByHand('cirros1', 'compute02');
  vi.setSystemTime(t0 + 9_500);
  const aborted = () => f.lab.calls().some((c) => c.argv.includes('live-migration-abort'));
  // nova's clock moves on only once the abort is in: it reaches the compute a second later, after the copy ended.
  const tick = setInterval(() => aborted() && vi.setSystemTime(Date.now() + 500), 50);
  try {
    const r = await abortAndFollow(nova, server, running, { pollIntervalMs: 20, now: () => performance.now() });
    expect(r.verdict).toBe('FAIL');
    expect(r.title).toBe('Too late to abort: cirros1 moved');
    expect(reportText(r)).toMatch(/migration 1 of cirros1 \(compute01 → compute02\) completed before the abort took; cirros1 is ACTIVE \/ None on compute02/);
    expect(reportText(r)).toMatch(/migration \| 1 completed at/);
  } finally {
    clearInterval(tick);
  }
  expect(labState().instances.find((i) => i.name === 'cirros1')?.host).toBe('compute02');
});

test('nothing settles within the deadline: unknown, with what was last seen', async () => {
  const { nova, server, running } = await migrationStartedByHand('cirros2', 'compute03');
  const r = await abortAndFollow(nova, server, running, { pollIntervalMs: 20, timeoutMs: 300, now: () => performance.now() });
  expect([r.verdict, r.title]).toEqual(['WARN', 'Abort of the migration of cirros2: unknown']);
  expect(r.reasons[0]).toMatch(/nova accepted the abort, but after 0 s migration \d+ of cirros2 \(compute01 → compute03\) is running and cirros2 is MIGRATING \/ migrating on compute01/);
});

test('through the openstack CLI (openstack.cli: openstack): the same abort, asked at 2.65, ends cancelled on the source', async () => {
  const { server } = await migrationStartedByHand('cirros1', 'compute03');
  const osc = new NovaOps(f.rt.ssh, { ...f.config, openstack: { ...f.config.openstack, cli: 'openstack' } });
  const running = (await runningMigration(osc, server.id))!;
  expect([running.status, running.destCompute]).toEqual(['running', 'compute03']);
  const tick = setInterval(() => vi.setSystemTime(Date.now() + 500), 50);
  try {
    const r = await abortAndFollow(osc, server, running, { pollIntervalMs: 20, now: () => performance.now() });
    expect([r.verdict, r.reasons[0]]).toEqual(['OK', `migration ${running.id} of cirros1 (compute02 → compute03) cancelled; cirros1 stays on compute02: ACTIVE`]);
  } finally {
    clearInterval(tick);
  }
  expect(f.lab.calls().filter((c) => c.argv.includes('abort')).map((c) => c.argv.slice(0, 3))).toEqual([['openstack', '--os-compute-api-version', '2.65']]);
});
