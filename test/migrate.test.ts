import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { user } from '../src/mention.js';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 4, migrateSeconds: 1, redis: true, env: {} });
});
afterAll(() => f?.stop());

afterEach(() => f.undoFaults());
const fault: LabFerry['fault'] = (...args) => f.fault(...args);

/** Runs a /migrate that preflight must stop, and returns the failing rows; asserts nothing was issued. */
async function refused(line: string) {
  const before = f.liveMigrations().length;
  const { report } = await f.run(line);
  expect(report.verdict).toBe('FAIL');
  expect(report.job).toBeUndefined();
  expect(f.liveMigrations()).toHaveLength(before);
  const preflight = report.tables.find((t) => t.title === 'Preflight');
  return { report, fails: (preflight?.rows ?? []).filter((r) => r[1] === 'FAIL').map((r) => `${r[0]}: ${r[2]}`) };
}

describe('/migrate preflight stops a migration that would fail or corrupt data', () => {
  test('disk cache not none on the source: the unsafe-migration error is named, with both ways out', async () => {
    await fault('compute01', 'cache-unsafe', ['cache-safe']);
    const { report, fails } = await refused('/migrate cirros1 compute02');
    expect(fails).toEqual([expect.stringMatching(/^disk cache on compute01: .*Unsafe migration: Migration may lead to data corruption if disks use cache != none/)]);
    expect(reportText(report)).toMatch(/disk_cachemodes = "file=none".*VIR_MIGRATE_UNSAFE/);
  });

  test('a brick down', async () => {
    await fault('compute03', 'brick-down', ['brick-up']);
    expect((await refused('/migrate cirros1 compute02')).fails).toEqual(['volume vm-instances: brick compute03.stack:/gluster/instances offline']);
  });

  test('the instances directory not mounted on the target', async () => {
    await fault('compute02', 'unmount', ['mount']);
    expect((await refused('/migrate cirros1 compute02')).fails).toEqual([expect.stringMatching(/^shared storage on compute02: \/var\/lib\/nova\/instances is not mounted/)]);
  });

  test('a dead FUSE mount on the source: FAIL with the lazy unmount and the client log', async () => {
    await fault('compute01', 'fuse-dead', ['mount']);
    const { report, fails } = await refused('/migrate cirros1 compute02');
    expect(fails).toEqual([expect.stringMatching(/^shared storage on compute01: \/var\/lib\/nova\/instances: dead FUSE mount \(stat \/var\/lib\/nova\/instances: Transport endpoint is not connected\)/)]);
    expect(reportText(report)).toMatch(/umount -l \/var\/lib\/nova\/instances/);
    expect(reportText(report)).toMatch(/var-lib-nova-instances\.log/);
  });

  test('the target mounted from another volume', async () => {
    await fault('compute02', 'mount', ['mount'], 'compute02.stack:/vm-instances-old');
    expect((await refused('/migrate cirros1 compute02')).fails).toEqual(['shared storage on compute02: /var/lib/nova/instances is mounted from compute02.stack:/vm-instances-old, not volume vm-instances']);
  });

  test('gluster 3.2 on the source', async () => {
    await fault('compute01', 'gluster-version', ['gluster-version', '10.3'], '3.2');
    expect((await refused('/migrate cirros1 compute02')).fails).toEqual([expect.stringMatching(/^gluster version on compute01: 3\.2 < 3\.3: it read-locks files/)]);
  });

  test("the target's glusterd down", async () => {
    await fault('compute02', 'glusterd-down', ['glusterd-up']);
    const { fails } = await refused('/migrate cirros1 compute02');
    expect(fails.join('\n')).toMatch(/gluster peers: .*compute02: glusterd is not running/);
  });

  test("the target's nova-compute disabled", async () => {
    await fault('compute02', 'service-disable', ['service-enable'], 'maintenance');
    expect((await refused('/migrate cirros1 compute02')).fails).toEqual(['target nova-compute: nova-compute on compute02 is disabled (maintenance)']);
  });

  test('the instance is already on the target', async () => {
    expect((await refused('/migrate cirros1 compute01')).fails).toEqual(['target host: cirros1 is already on compute01']);
  });

  test('an unknown instance', async () => {
    expect((await refused('/migrate nosuchvm compute02')).fails).toEqual(['instance: no instance nosuchvm']);
  });

  test('an ambiguous name lists the ids to choose from', async () => {
    await f.lab.fault('control', 'instance-add', 'dup compute01');
    await f.lab.fault('control', 'instance-add', 'dup compute01');
    const { report, fails } = await refused('/migrate dup compute02');
    expect(fails[0]).toMatch(/^instance: /);
    const ids = reportText(report).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
    expect(new Set(ids).size).toBeGreaterThanOrEqual(2);
  });

  test('--force is refused to an operator, and --dry-run starts nothing', async () => {
    await fault('compute01', 'cache-unsafe', ['cache-safe']);
    const { report } = await refused('/migrate cirros1 compute02 --force');
    expect(report.reasons).toEqual(['--force on /migrate needs the admin role; you have operator; nothing was run']);
    await f.lab.fault('compute01', 'cache-safe');
    const before = f.liveMigrations().length;
    const dry = await f.run('/migrate cirros1 compute02 --dry-run');
    expect(dry.report.verdict).toBe('OK');
    expect(dry.report.job).toBeUndefined();
    expect(f.liveMigrations()).toHaveLength(before);
  });
});

describe('/migrate preflight passes a healthy mount however the runbook spelled it', () => {
  test('source and target mounted from localhost:/vm-instances (real/gluster-10.3/mount): preflight OK', async () => {
    for (const n of ['compute01', 'compute02']) await fault(n, 'mount', ['mount'], 'localhost:/vm-instances');
    const dry = await f.run('/migrate cirros1 compute02 --dry-run');
    const rows = dry.report.tables.find((t) => t.title === 'Preflight')!.rows.filter((r) => r[0]!.startsWith('shared storage'));
    expect(rows.map((r) => [r[0], r[1]])).toEqual([['shared storage on compute01', 'PASS'], ['shared storage on compute02', 'PASS']]);
    expect(dry.report.verdict).toBe('OK');
  });
});

describe('/migrate runs the migration and checks the result', () => {
  test("libvirt's refusal of an unsafe cache mode, when forced past preflight, comes back as advice", async () => {
    await fault('compute01', 'cache-unsafe', ['cache-safe']);
    const { report } = await f.run('/migrate cirros4 compute03 --force', 'U_ADMIN');
    expect(report.reasons[0]).toMatch(new RegExp(`^FORCED by ${user('U_ADMIN')}`));
    const end = await f.finish(report);
    expect(end.verdict).toBe('FAIL');
    expect(end.reasons[0]).toMatch(/Unsafe migration: Migration may lead to data corruption if disks use cache != none/);
    expect(end.notes.join('\n')).toMatch(/disk_cachemodes = "file=none"/);
  });

  test('cirros1 ends ACTIVE on compute02, verified', async () => {
    const { report } = await f.run('/migrate cirros1 compute02');
    expect(report.job?.queue).toBe('migrate');
    const progress: string[] = [];
    const end = await f.finish(report, (p) => progress.push(p.reasons[0] ?? ''));
    expect(end.verdict).toBe('OK');
    expect(end.title).toBe('Migrated cirros1 to compute02');
    expect(end.tables[0]!.rows).toContainEqual(['host', 'compute01', 'compute02']);
    expect(progress.some((p) => /MIGRATING \/ migrating on compute01/.test(p))).toBe(true);
    const after = await f.rt.cluster.nova.show('cirros1');
    expect([after.status, after.host, after.taskState]).toEqual(['ACTIVE', 'compute02', null]);
  });

  test('a migration that nova fails is reported with plain advice', async () => {
    await fault('compute01', 'migration-fails', ['migration-ok'], 'Compute service of compute03 is unavailable at this time.');
    const { report } = await f.run('/migrate cirros2 compute03');
    const end = await f.finish(report);
    expect(end.verdict).toBe('FAIL');
    expect(end.title).toBe('Migration of cirros2 to compute03 failed');
    expect(end.reasons[0]).toMatch(/^Compute service of compute03 is unavailable at this time\./);
    expect(end.notes.join('\n')).toMatch(/compute host named above is down.*If it is the target, pick another/);
    expect((await f.rt.cluster.nova.show('cirros2')).host).toBe('compute01');
  });

  test('two /migrate of one instance at once start exactly one migration', async () => {
    const before = f.liveMigrations().length;
    const [a, b] = await Promise.all([f.run('/migrate cirros3 compute02'), f.run('/migrate cirros3 compute03')]);
    const started = [a, b].filter((o) => o.report.job);
    expect(started).toHaveLength(1);
    const refusedOne = [a, b].find((o) => !o.report.job)!;
    expect(refusedOne.report.verdict).toBe('FAIL');
    expect(reportText(refusedOne.report)).toMatch(/already being migrated|MIGRATING/);
    await f.finish(started[0]!.report);
    expect(f.liveMigrations().length - before).toBe(1);
  });
});

describe('the instance lock', () => {
  test('two requests queued at the same instant: one job, the other told which job runs', async () => {
    const { enqueueMigration, AlreadyMigrating } = await import('../src/jobs/migration.js');
    const server = await f.rt.cluster.nova.show('cirros2');
    const data = {
      instanceId: server.id,
      instanceName: server.name,
      source: server.host ?? '',
      target: 'compute03',
      requestedBy: 'U_OPS',
      channel: 'cli',
      before: { status: server.status, taskState: server.taskState, host: server.host, powerState: server.powerState },
      healBefore: 0,
      phase: 'queued' as const,
      pollIntervalMs: 200,
      timeoutSeconds: 60,
    };
    const before = f.liveMigrations().length;
    const results = await Promise.allSettled([enqueueMigration(f.rt.jobs!, 'race-a', data), enqueueMigration(f.rt.jobs!, 'race-b', data)]);
    const queued = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(queued).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(AlreadyMigrating);
    expect((refused[0]!.reason as Error).message).toMatch(/already being migrated to compute03 \(job race-[ab]/);
    const job = (queued[0] as PromiseFulfilledResult<{ id?: string }>).value;
    const end = await f.finish({ title: '', verdict: 'INFO', reasons: [], tables: [], notes: [], job: { id: job.id!, queue: 'migrate' } });
    expect(end.title).toMatch(/cirros2/);
    expect(f.liveMigrations().length - before).toBe(1);
  });
});
