/**
 * "Nothing run twice": a fresh migration job sends `nova live-migration` without asking nova
 * first, so the guarantee rests on the job taken back after it wrote down `issuing` (its worker
 * died, nova's answer was lost). Such a job asks nova whether that call got through before it
 * acts. The lab records every nova call, so a second live-migration would show.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { enqueueMigration, type MigrationJobData } from '../src/jobs/migration.js';
import type { Report } from '../src/report.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 3, redis: true, env: {} });
});
afterAll(() => f?.stop());

/** A job as the dead worker left it (phase `issuing`, the newest migration id it had seen before), or a fresh one. */
async function jobFor(jobId: string, ref: string, phase: MigrationJobData['phase'] = 'issuing'): Promise<{ data: MigrationJobData; finish: () => Promise<Report> }> {
  const { nova } = f.rt.cluster;
  const server = await nova.show(ref);
  const target = server.host === 'compute02' ? 'compute03' : 'compute02';
  const before = Math.max(0, ...(await nova.migrations({ instanceId: server.id })).map((m) => m.id));
  const data: MigrationJobData = {
    instanceId: server.id, instanceName: server.name, source: server.host!, target, requestedBy: 'U_OPS', channel: 'cli',
    before: { status: server.status, taskState: server.taskState, host: server.host, powerState: server.powerState }, healBefore: 0,
    phase, migrationIdBefore: before, pollIntervalMs: 100, timeoutSeconds: 60,
  };
  const finish = async () => {
    const job = await enqueueMigration(f.rt.jobs!, jobId, data);
    return f.finish({ title: '', verdict: 'INFO', reasons: [], tables: [], notes: [], job: { id: job.id!, queue: 'migrate' } });
  };
  return { data, finish };
}

describe('a migration job taken back after it reached issuing', () => {
  test('nova took the call and is still migrating: the job watches that migration and sends no second one', async () => {
    const { data, finish } = await jobFor('crashed-while-migrating', 'cirros1');
    await f.rt.cluster.nova.liveMigrate(data.instanceId, data.target);
    const sent = f.liveMigrations().length;
    const end = await finish();
    expect(f.liveMigrations().length).toBe(sent);
    expect(end.verdict, end.reasons.join("; ")).toBe("OK");
    expect(end.title).toBe(`Migrated cirros1 to ${data.target}`);
  });

  test('nova took the call and has finished it: the newer record says so, and nothing is sent again', async () => {
    const { data, finish } = await jobFor('crashed-and-done', 'cirros2');
    const { nova } = f.rt.cluster;
    await nova.liveMigrate(data.instanceId, data.target);
    for (let s = await nova.show(data.instanceId); s.status === 'MIGRATING'; s = await nova.show(data.instanceId)) await new Promise((r) => setTimeout(r, 100));
    const sent = f.liveMigrations().length;
    const end = await finish();
    expect(f.liveMigrations().length).toBe(sent);
    expect(end.verdict, end.reasons.join("; ")).toBe("OK");
    expect(end.title).toBe(`Migrated cirros2 to ${data.target}`);
  });

  test('nova never got the call: the job sends it, once', async () => {
    const { data, finish } = await jobFor('crashed-before-nova', 'cirros3');
    const sent = f.liveMigrations().length;
    const end = await finish();
    expect(f.liveMigrations().length).toBe(sent + 1);
    expect(end.verdict, end.reasons.join("; ")).toBe("OK");
    expect(end.title).toBe(`Migrated cirros3 to ${data.target}`);
  });
});

describe('a fresh migration job', () => {
  test("whose instance someone else is migrating: nova's 409 is a refusal, not a call of ours that got through", async () => {
    const { data, finish } = await jobFor('fresh-but-busy', 'cirros1', 'queued');
    await f.rt.cluster.nova.liveMigrate(data.instanceId, data.target);
    const sent = f.liveMigrations().length;
    const end = await finish();
    expect(f.liveMigrations().length).toBe(sent + 1);
    expect(end.verdict).toBe('FAIL');
    expect(end.title).toBe(`Migration of cirros1 to ${data.target} failed`);
    expect(end.reasons[0]).toMatch(/while it is in task_state migrating \(HTTP 409\)/);
  });
});
