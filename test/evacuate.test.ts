/**
 * /evacuate end to end: the real Bolt app over signed HTTP, a real redis-server,
 * the lab over SSH. Requests, approvals and cancels go through Slack; what the
 * cluster went through is read from the lab (its calls and its migrations).
 */
import { describe, expect, test } from 'vitest';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { messageText, withHarness, type Harness } from './support/harness.js';
import type { FakeMessage } from './support/slack-fake.js';
import type { LabModelHandle } from '../src/lab/model.js';

const FAST = { migration: { pollIntervalMs: 150 } };

const labState = (h: Harness) => (h.lab.model as LabModelHandle).state;

/** The approval id of a message's Approve button, if it has one. */
function approvalIdOf(m: FakeMessage): string | undefined {
  for (const b of m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) {
    const button = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'ferry_approve') : undefined;
    if (button) return button.value;
  }
  return undefined;
}

/** Waits for a message with Approve / Reject buttons other than those already seen. */
async function nextRequest(h: Harness, seen: Set<string> = new Set()): Promise<{ id: string; ts: string; text: string }> {
  const m = await h.waitForMessage((x) => approvalIdOf(x) !== undefined && !seen.has(approvalIdOf(x)!)).catch(async (err: Error) => {
    // Say what ferry did answer instead.
    const said = [...h.slack.messages().map((x) => `message: ${messageText(x)}`), ...h.slack.ephemerals().map((x) => `ephemeral: ${x.text}`)];
    const audit = (await h.audit(5).catch(() => [])).map((e) => `audit: ${e.command} ${e.outcome} ${e.detail ?? ''}`);
    throw new Error(`${err.message}; ferry said:\n${[...said, ...audit].join('\n').slice(0, 4000)}`);
  });
  const id = approvalIdOf(m)!;
  seen.add(id);
  return { id, ts: m.ts, text: messageText(m) };
}

/** Waits until the evacuation's message shows its summary. */
function summaryOf(h: Harness, ts: string, timeoutMs = 60_000): Promise<FakeMessage> {
  return h.waitForMessage((m) => m.ts === ts && /Evacuated |Evacuation of .* (finished|cancelled)/.test(m.text), timeoutMs);
}

/** Lets compute01 run `max` live migrations at once, as nova.conf says (the lab writes 1). */
function setMaxConcurrentLiveMigrations(h: Harness, node: string, max: number): void {
  const files = labState(h).nodes.get(node)!.files;
  const conf = files.get('/etc/nova/nova.conf')!;
  const original = conf.content;
  const text = () => (typeof original === 'function' ? original() : original);
  files.set('/etc/nova/nova.conf', { ...conf, content: () => text().replace(/max_concurrent_live_migrations = \d+/, `max_concurrent_live_migrations = ${max}`) });
}

/** The most migrations the lab had in flight at one time (issued, not yet ended). */
function maxInFlight(h: Harness): number {
  const edges = labState(h).migrations.flatMap((m) => [
    [m.createdAt, 1],
    [m.updatedAt ?? m.endsAt, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d!));
  return max;
}

/** `nova live-migration` calls per instance id. */
function liveMigrationsPerInstance(h: Harness): Map<string, number> {
  const per = new Map<string, number>();
  for (const c of h.lab.calls()) if (c.argv[0] === 'nova' && c.argv[1] === 'live-migration') per.set(c.argv[2]!, (per.get(c.argv[2]!) ?? 0) + 1);
  return per;
}

function computeService(h: Harness, host: string) {
  return labState(h).services.find((s) => s.host === host && s.binary === 'nova-compute')!;
}

/** Every instance ACTIVE off `host`, each moved by exactly one live migration. */
function expectAllMovedOnce(h: Harness, host: string, n: number): void {
  const instances = labState(h).instances;
  expect(instances).toHaveLength(n);
  for (const i of instances) {
    expect(i.host).not.toBe(host);
    expect(i.status).toBe('ACTIVE');
    expect(i.taskState).toBeNull();
  }
  const perInstance = liveMigrationsPerInstance(h);
  expect([...perInstance.values()]).toEqual(instances.map(() => 1));
  expect(labState(h).migrations.filter((m) => m.status === 'completed')).toHaveLength(n);
}

describe('/evacuate', () => {
  test('an approved evacuation moves all 12 instances off compute01, never more at once than allowed', () =>
    withHarness({ instances: 12, migrateSeconds: 1, policy: { migration: { pollIntervalMs: 150, perHostConcurrency: 2 } } }, async (h) => {
      setMaxConcurrentLiveMigrations(h, 'compute01', 3);
      await h.slash('/evacuate compute01 --concurrency 4 --reason "disk swap"', { user: 'U_OPS' });
      const req = await nextRequest(h);
      expect(req.text).toMatch(/12 to live-migrate to compute02 \(6\), compute03 \(6\)/);
      // asked 4, nova.conf allows 3, the policy 2 per host: 2.
      expect(req.text).toMatch(/2 migrations at once: asked 4, max_concurrent_live_migrations 3 in nova.conf on compute01, at most 2 per host/);
      expect(labState(h).migrations).toHaveLength(0);

      // A double click (or a second approver) approves once.
      await Promise.all([
        h.button('ferry_approve', req.id, { user: 'U_APPROVER', messageTs: req.ts }),
        h.button('ferry_approve', req.id, { user: 'U_ADMIN', messageTs: req.ts }),
      ]);
      await h.waitForEphemeral((t) => /Not approved[\s\S]*already approved/.test(t));
      const done = await summaryOf(h, req.ts);

      expectAllMovedOnce(h, 'compute01', 12);
      expect(labState(h).instances.filter((i) => i.host === 'compute02')).toHaveLength(6);
      expect(maxInFlight(h)).toBe(2);
      expect(computeService(h, 'compute01')).toMatchObject({ enabled: false, disabledReason: 'disk swap' });

      // One message, shown in place from the request to the summary.
      expect(h.slack.messages('C0OPS').filter((m) => !m.thread_ts)).toHaveLength(1);
      expect(done.history.some((v) => /running 2/.test(v.text))).toBe(true);
      expect(done.text).toMatch(/Evacuated compute01/);
      expect(messageText(done)).toMatch(/12 of 12 moved · failed 0/);
      expect(messageText(done)).toMatch(/\/nova service-enable compute01/);

      await h.slash('/nova service-enable compute01', { user: 'U_OPS' });
      await h.waitForMessage((m) => /nova-compute on compute01 enabled/.test(m.text));
      expect(computeService(h, 'compute01').enabled).toBe(true);

      const audit = await h.audit();
      expect(audit.filter((a) => a.command === 'evacuate' && a.outcome === 'approved')).toHaveLength(1);
      expect(audit.find((a) => a.command === 'evacuate' && a.outcome === 'ok' && a.detail?.startsWith(req.id))).toMatchObject({ user: 'U_OPS' });
      expect(audit.find((a) => a.command === 'nova service-enable')).toMatchObject({ user: 'U_OPS', outcome: 'ok' });
    }));

  test('approval: a dry run asks nothing; the requester, a viewer and a late click cannot approve; a rejection starts nothing', () =>
    withHarness({ instances: 3, policy: { approvalTtlSeconds: 4, ...FAST } }, async (h) => {
      await h.slash('/evacuate compute01 --dry-run', { user: 'U_OPS' });
      const plan = await h.waitForMessage((m) => /Evacuation plan \(dry run\): compute01/.test(m.text));
      expect(approvalIdOf(plan)).toBeUndefined();
      expect(messageText(plan)).toMatch(/1 migration at once: asked 2, max_concurrent_live_migrations 1/);

      const seen = new Set<string>();
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const first = await nextRequest(h, seen);
      await h.button('ferry_approve', first.id, { user: 'U_OPS', messageTs: first.ts });
      await h.waitForEphemeral((t) => /cannot approve your own request/.test(t));
      await h.button('ferry_approve', first.id, { user: 'U_VIEWER', messageTs: first.ts });
      await h.waitForEphemeral((t) => /approving needs the approver role; you have viewer/.test(t));
      await h.button('ferry_reject', first.id, { user: 'U_APPROVER', messageTs: first.ts });
      await h.waitForMessage((m) => m.ts === first.ts && /Rejected/.test(m.text));
      await h.button('ferry_approve', first.id, { user: 'U_ADMIN', messageTs: first.ts });
      await h.waitForEphemeral((t) => /already rejected/.test(t));

      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const late = await nextRequest(h, seen);
      await new Promise((r) => setTimeout(r, 4200));
      await h.button('ferry_approve', late.id, { user: 'U_APPROVER', messageTs: late.ts });
      await h.waitForEphemeral((t) => /expired/.test(t));

      expect(h.lab.calls().filter((c) => c.argv[1] === 'live-migration' || c.argv[1] === 'service-disable')).toHaveLength(0);
      expect(computeService(h, 'compute01').enabled).toBe(true);
      const outcomes = (await h.audit()).filter((e) => e.command === 'evacuate').map((e) => `${e.user} ${e.outcome}`);
      expect(outcomes).toEqual(expect.arrayContaining(['U_OPS refused', 'U_VIEWER refused', 'U_APPROVER rejected', 'U_ADMIN refused', 'U_APPROVER expired']));
    }));

  test('a host that changed is asked for again; a failing migration is reported with advice, a pair failing preflight is skipped, the others go on', () =>
    withHarness({ instances: 4, policy: FAST }, async (h) => {
      await h.lab.fault('compute01', 'instance-state', 'cirros4 SHUTOFF');
      const seen = new Set<string>();
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const first = await nextRequest(h, seen);
      expect(first.text).toMatch(/3 to live-migrate .*; 1 left on compute01/);

      await h.lab.fault('compute01', 'instance-add', 'cirros5 compute01');
      await h.button('ferry_approve', first.id, { user: 'U_APPROVER', messageTs: first.ts });
      await h.waitForEphemeral((t) => /Not started: compute01 changed since the plan/.test(t));
      const again = await nextRequest(h, seen);
      expect(again.text).toMatch(/compute01 changed since the approved plan: new cirros5 \(ACTIVE\)/);
      expect(again.text).toMatch(/4 to live-migrate/);
      await h.waitForMessage((m) => m.ts === first.ts && /Not started/.test(m.text) && approvalIdOf(m) === undefined);
      expect(h.lab.calls().filter((c) => c.argv[1] === 'service-disable')).toHaveLength(0);

      // The first migration (cirros1) fails the way libvirt reports a timeout; the fault is lifted once it started.
      await h.lab.fault('compute01', 'migration-fails', 'Live Migration failure: operation failed: migration job: timed out waiting for the destination');
      await h.button('ferry_approve', again.id, { user: 'U_APPROVER', messageTs: again.ts });
      while (!h.lab.calls().some((c) => c.argv[1] === 'live-migration')) await new Promise((r) => setTimeout(r, 10));
      await h.lab.fault('compute01', 'migration-ok');
      // cirros5, last in the plan, cannot be live-migrated once paused: its preflight fails when its turn comes.
      await h.lab.fault('compute01', 'instance-state', 'cirros5 PAUSED');

      const done = await summaryOf(h, again.ts);
      const text = messageText(done);
      expect(done.text).toMatch(/Evacuation of compute01 finished with problems/);
      expect(text).toMatch(/2 of 4 moved · failed 1 · skipped 1/);
      expect(text).toMatch(/cirros5.*skipped.*preflight: instance: cirros5 is PAUSED/);
      expect(text).toMatch(/cirros1.*FAILED.*timed out waiting for the destination/);
      expect(text).toMatch(/cirros1: The migration timed out/);
      expect(text).toMatch(/left on compute01 as planned: cirros4 \(SHUTOFF\)/);
      expect(text).toMatch(/still on compute01: cirros1 \(ACTIVE\), cirros5 \(PAUSED\)/);
      const where = Object.fromEntries(labState(h).instances.map((i) => [i.name, `${i.host} ${i.status}`]));
      expect(where).toMatchObject({ cirros1: 'compute01 ACTIVE', cirros4: 'compute01 SHUTOFF', cirros5: 'compute01 PAUSED' });
      for (const n of ['cirros2', 'cirros3']) expect(where[n]).toMatch(/^compute0[23] ACTIVE$/);
      expect([...liveMigrationsPerInstance(h).values()]).toEqual([1, 1, 1]);
      const audit = await h.audit();
      expect(audit.find((e) => e.command === 'evacuate' && e.outcome === 'queued')?.detail).toMatch(new RegExp(`request ${first.id} not started.*asked again as ${again.id}`));
      expect(audit.find((e) => e.command === 'evacuate' && e.outcome === 'fail')?.detail).toMatch(new RegExp(`^${again.id}: 2 of 4 moved`));
    }));

  test('cancel midway: pending migrations are dropped, the running one finishes and is reported', () =>
    withHarness({ instances: 6, policy: FAST }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await nextRequest(h);
      await h.button('ferry_approve', req.id, { user: 'U_APPROVER', messageTs: req.ts });
      while (labState(h).instances.filter((i) => i.host !== 'compute01').length < 2) await new Promise((r) => setTimeout(r, 50));

      await h.slash(`/evacuate status ${req.id}`, { user: 'U_VIEWER' });
      const status = await h.waitForMessage((m) => m.ts !== req.ts && /Evacuating compute01: \d\/6 moved/.test(m.text));
      expect(messageText(status)).toMatch(/done \d · running [01] · pending \d · failed 0/);

      await h.slash(`/evacuate cancel ${req.id}`, { user: 'U_OPS' });
      await h.waitForMessage((m) => /Cancelling the evacuation of compute01/.test(m.text));
      const done = await summaryOf(h, req.ts);
      expect(done.text).toMatch(/Evacuation of compute01 cancelled/);
      const moved = labState(h).instances.filter((i) => i.host !== 'compute01');
      expect(moved.length).toBeGreaterThanOrEqual(2);
      expect(moved.length).toBeLessThan(6);
      expect(messageText(done)).toMatch(new RegExp(`${moved.length} of 6 moved · failed 0 · skipped 0 · cancelled ${6 - moved.length}`));
      // Every migration that was started finished; nothing new started after the cancel.
      await new Promise((r) => setTimeout(r, 500));
      expect(labState(h).migrations.every((m) => m.status === 'completed')).toBe(true);
      expect(labState(h).migrations).toHaveLength(moved.length);
      expect(labState(h).instances.every((i) => i.status === 'ACTIVE' && i.taskState === null)).toBe(true);

      const audit = await h.audit();
      expect(audit.find((e) => e.command === 'evacuate cancel')).toMatchObject({ user: 'U_OPS', outcome: 'ok' });
      expect(audit.find((e) => e.command === 'evacuate status')).toMatchObject({ user: 'U_VIEWER', outcome: 'ok' });
      expect(audit.find((e) => e.command === 'evacuate' && e.outcome === 'cancelled')?.detail).toMatch(new RegExp(`^${req.id}:`));
    }));

  test('kill -9 of ferry mid-evacuation: a new ferry resumes, every instance moves exactly once', () =>
    withHarness({ instances: 12, child: true, policy: FAST }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await nextRequest(h);
      await h.button('ferry_approve', req.id, { user: 'U_APPROVER', messageTs: req.ts });
      while (labState(h).instances.filter((i) => i.host !== 'compute01').length < 3) await new Promise((r) => setTimeout(r, 50));
      await h.kill();
      const movedAtKill = labState(h).instances.filter((i) => i.host !== 'compute01').length;
      await h.startFerry();

      const done = await summaryOf(h, req.ts, 90_000);
      expect(done.text).toMatch(/Evacuated compute01/);
      expect(movedAtKill).toBeLessThan(12);
      expectAllMovedOnce(h, 'compute01', 12);
      expect(maxInFlight(h)).toBe(1);
      expect(computeService(h, 'compute01').enabled).toBe(false);
    }));

  test('a ferry stopped gracefully hands the evacuation back at once; the next one finishes it', () =>
    withHarness({ instances: 6, policy: FAST }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await nextRequest(h);
      await h.button('ferry_approve', req.id, { user: 'U_APPROVER', messageTs: req.ts });
      while (labState(h).instances.filter((i) => i.host !== 'compute01').length < 2) await new Promise((r) => setTimeout(r, 50));
      await h.stopFerry();
      // At once: ferry did not wait for the evacuation to end; instances still wait on compute01 for the next ferry.
      expect(labState(h).instances.filter((i) => i.host === 'compute01').length).toBeGreaterThan(0);
      await h.startFerry();
      const done = await summaryOf(h, req.ts);
      expect(done.text).toMatch(/Evacuated compute01/);
      expectAllMovedOnce(h, 'compute01', 6);
    }));

  test('with two ferry processes (serve and worker) on its queues, an evacuation runs each migration once, whichever process takes it', () =>
    withHarness({ instances: 12, child: true, policy: { migration: { pollIntervalMs: 150, perHostConcurrency: 2 } } }, async (h) => {
      setMaxConcurrentLiveMigrations(h, 'compute01', 2);
      await h.startWorker();
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await nextRequest(h);
      await h.button('ferry_approve', req.id, { user: 'U_APPROVER', messageTs: req.ts });
      const done = await summaryOf(h, req.ts);
      expect(done.text).toMatch(/Evacuated compute01/);
      expectAllMovedOnce(h, 'compute01', 12);
      expect(maxInFlight(h)).toBe(2);
      // Which process takes which migration is BullMQ's choice: on a busy machine one may take them all.
      // Each of the 12 jobs completed once (migrationWorkers), in one of the two processes.
      const processes = [...(await migrationWorkers(h))];
      expect(processes.length, `processes: ${processes.join(', ')}`).toBeLessThanOrEqual(2);
      expect(processes).not.toContain('?');
    }));
});

/** The worker (host:pid) that ran each migration job. */
async function migrationWorkers(h: Harness): Promise<Set<string>> {
  const redis = new Redis(h.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('migrate', { connection: redis as unknown as ConnectionOptions, prefix: 'ferry' });
  try {
    const jobs = await queue.getJobs(['completed']);
    expect(jobs).toHaveLength(12);
    return new Set(jobs.map((j) => j.processedBy ?? '?'));
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
