/**
 * A migration is a success only on nova's record of this request: newer than the newest
 * before it, from the instance's host to the target, completed, the instance ACTIVE there.
 * The lab answers the refusals as real nova 26 did (captures nova-live-migration-same-host,
 * -to-disabled-host, -from-down-host and the migration lists and instance actions after them):
 * the API accepts (exit 0), the conductor records the migration in error.
 */
import { user } from '../src/mention.js';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';
import { enqueueMigration } from '../src/jobs/migration.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 4, migrateSeconds: 1, redis: true, env: {} });
});
afterAll(() => f?.stop());
afterEach(() => f.undoFaults());

const migrationIds = async (ref: string) => (await f.rt.cluster.nova.migrations({ instanceId: (await f.rt.cluster.nova.show(ref)).id })).map((m) => m.id);

describe('a migration nova did not make is never reported as done', () => {
  test("an admin's forced /migrate to the host the instance is already on: nova records it in error and ferry says so", async () => {
    const first = await f.run('/migrate cirros1 compute02');
    expect((await f.finish(first.report)).verdict).toBe('OK');
    const before = f.liveMigrations().length;
    const { report } = await f.run('/migrate cirros1 compute02 --force', 'U_ADMIN');
    expect(report.reasons[0]).toMatch(new RegExp(`^FORCED by ${user('U_ADMIN')} past: target host`));
    const end = await f.finish(report);
    // nova was asked (once), accepted, and recorded a migration from compute02 with no destination, in error.
    expect(f.liveMigrations().length - before).toBe(1);
    expect(end.verdict).toBe('FAIL');
    expect(end.title).toBe('Migration of cirros1 to compute02 failed');
    expect(end.reasons[0]).toMatch(/^No valid host was found\.; migration \d+ error$/);
    expect(reportText(end)).not.toMatch(/Migrated|completed/);
  });

  test('a forced move to a disabled host: accepted, then refused by the scheduler; the reason is nova\'s, not "Error"', async () => {
    await f.fault('compute03', 'service-disable', ['service-enable'], 'maintenance');
    const { report } = await f.run('/migrate cirros4 compute03 --force', 'U_ADMIN');
    const end = await f.finish(report);
    expect(end.verdict).toBe('FAIL');
    expect(end.reasons[0]).toMatch(/^No valid host was found\.; migration (\d+) error$/);
    expect(end.notes.join('\n')).toMatch(/scheduler found no host/);
    expect((await f.rt.cluster.nova.show('cirros4')).status).toBe('ACTIVE');
  });

  test("a move off a host whose nova-compute is down: the conductor's reason names the host", async () => {
    const host = (await f.rt.cluster.nova.show('cirros3')).host!;
    const target = host === 'compute03' ? 'compute02' : 'compute03';
    await f.fault(host, 'nova-compute-down', ['nova-compute-up']);
    const { report } = await f.run(`/migrate cirros3 ${target} --force`, 'U_ADMIN');
    const end = await f.finish(report);
    expect(end.verdict).toBe('FAIL');
    expect(end.reasons[0]).toBe(`Compute service of ${host} is unavailable at this time.; migration ${Math.max(...(await migrationIds('cirros3')))} error`);
    expect(end.notes.join('\n')).toMatch(/if it is the source, nothing can be live-migrated off it until it is back/);
  });

  test('a job taken back after nova recorded nothing for it is not a success, even with the instance on the target', async () => {
    // cirros1 is on compute02 since the first test, with an older completed record there.
    const server = await f.rt.cluster.nova.show('cirros1');
    expect(server.host).toBe('compute02');
    const newest = Math.max(...(await migrationIds('cirros1')));
    const job = await enqueueMigration(f.rt.jobs!, 'taken-back', {
      instanceId: server.id, instanceName: server.name, source: 'compute01', target: 'compute02', requestedBy: 'U_OPS', channel: 'cli',
      before: { status: 'ACTIVE', taskState: null, host: 'compute01', powerState: 'Running' }, healBefore: 0,
      phase: 'issued', migrationIdBefore: newest, issuedAt: Date.now(), pollIntervalMs: 100, timeoutSeconds: 60,
    });
    const end = await f.finish({ title: '', verdict: 'INFO', reasons: [], tables: [], notes: [], job: { id: job.id!, queue: 'migrate' } });
    expect(end.verdict).toBe('FAIL');
    expect(end.reasons[0]).toMatch(new RegExp(`recorded no migration for it \\(no migration newer than ${newest}\\); cirros1 is on compute02`));
  });
});
