/**
 * /gluster bootstrap against a bare lab (glusterd running, no peers, no volume,
 * nothing mounted) over real SSH, with a real redis-server and the worker that
 * runs the approved plan. Approvals go through handleApproval and the
 * executors, the path the Slack buttons and `ferry approve` take.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';
import { messageText, startHarness } from './support/harness.js';
import type { FakeMessage } from './support/slack-fake.js';
import { handleApproval } from '../src/jobs/approval-actions.js';
import { executors } from '../commands/index.js';
import { createNotifier } from '../src/slack/slack-notifier.js';
import { roleOf } from '../src/policy.js';
import type { Report } from '../src/report.js';

/** Presses Approve as `user` and, when that queued the run, waits for its final report. */
async function approve(f: LabFerry, r: Report, user = 'U_APPROVER'): Promise<{ answer: Report; final?: Report; progress: string[] }> {
  expect(r.approval, `no approval asked in ${r.title}: ${r.reasons.join('; ')}`).toBeDefined();
  const rt = { ...f.rt, jobs: f.rt.jobs! };
  const ctx = { rt, notifier: createNotifier(f.config, pino({ level: 'silent' })), audit: f.rt.audit };
  const answer = await handleApproval(ctx, executors, { approvalId: r.approval!.id, decision: 'approve', userId: user, role: roleOf(f.config, user), channel: 'cli' });
  const progress: string[] = [];
  const final = answer.job ? await f.finish(answer, (p) => progress.push(p.reasons[0] ?? p.title)) : undefined;
  return { answer, final, progress };
}

/** The State column of the plan, by step title. */
const states = (r: Report): Record<string, string> => Object.fromEntries(r.tables[0]!.rows.map((row) => [row[1]!, row[4]!]));

/** Commands the lab received that change something, as text. */
const changes = (f: LabFerry) =>
  f.lab.calls()
    .map((c) => c.argv.join(' '))
    .filter((l) => /^(mkdir|mount|chown|touch|rm|systemctl start|gluster peer probe|gluster --mode=script volume create|gluster volume start)/.test(l));

describe('/gluster bootstrap on a bare lab', () => {
  let f: LabFerry;
  beforeAll(async () => {
    f = await startLabFerry({ computes: 3, instances: 3, bare: true, redis: true });
    // Listen to the queue's events from the start, so no progress event of a fast run is missed.
    await f.rt.jobs!.events('bootstrap').waitUntilReady();
    await f.lab.fault('compute02', 'glusterd-down');
  });
  afterAll(() => f?.stop());

  test('--dry-run lists every step with its command, node and checks, and runs nothing', async () => {
    const { report } = await f.run('/gluster bootstrap --dry-run');
    expect(report.verdict).toBe('INFO');
    const steps = report.tables[0]!;
    expect(steps.columns).toEqual(['#', 'Step', 'Runs', 'Checks first', 'State']);
    expect(steps.rows.map((r) => r[2])).toEqual([
      'compute01: systemctl start glusterd',
      'compute01: mkdir -p /gluster/instances',
      'compute02: systemctl start glusterd',
      'compute02: mkdir -p /gluster/instances',
      'compute01: gluster peer probe compute02.stack',
      'compute03: systemctl start glusterd',
      'compute03: mkdir -p /gluster/instances',
      'compute01: gluster peer probe compute03.stack',
      'compute01: gluster --mode=script volume create vm-instances replica 3 compute01.stack:/gluster/instances compute02.stack:/gluster/instances compute03.stack:/gluster/instances force',
      'compute01: gluster volume start vm-instances',
      'compute01: mount -t glusterfs localhost:vm-instances /var/lib/nova/instances',
      'compute01: chown nova:nova /var/lib/nova/instances',
      'compute02: mount -t glusterfs localhost:vm-instances /var/lib/nova/instances',
      'compute02: chown nova:nova /var/lib/nova/instances',
      'compute03: mount -t glusterfs localhost:vm-instances /var/lib/nova/instances',
      'compute03: chown nova:nova /var/lib/nova/instances',
      'compute01: touch /var/lib/nova/instances/.ferry-bootstrap-probe; compute02: cat /var/lib/nova/instances/.ferry-bootstrap-probe; compute03: cat /var/lib/nova/instances/.ferry-bootstrap-probe; compute01: rm -f /var/lib/nova/instances/.ferry-bootstrap-probe',
    ]);
    const s = states(report);
    expect(s['compute01: glusterfs-server installed, glusterd running']).toBe('already done: glusterfs-server 10.3-5, glusterd active');
    expect(s['compute02: glusterfs-server installed, glusterd running']).toBe('to do: glusterd is inactive');
    expect(s['compute03.stack joins the pool of compute01']).toBe('to do: compute03.stack is not in the pool of compute01');
    expect(s['volume vm-instances created, replica 3']).toBe('to do: no volume vm-instances yet');
    expect(s['compute02: /var/lib/nova/instances mounted from localhost:vm-instances']).toBe('to do: not mounted, directory empty');
    expect(steps.rows.every((r) => r[3] !== '')).toBe(true);
    expect(changes(f)).toEqual([]);
  });

  test('approved by an approver, it builds the storage a normal lab has, and /gluster status is OK', async () => {
    const { report: asked } = await f.run('/gluster bootstrap');
    expect(asked.approval).toBeDefined();
    expect(changes(f)).toEqual([]);
    const own = await approve(f, asked, 'U_OPS');
    expect(own.answer.reasons.join()).toMatch(/cannot approve your own request/);

    const { answer, final, progress } = await approve(f, asked);
    expect(answer.job?.queue).toBe('bootstrap');
    // Progress in place, step by step (BullMQ progress events; Slack gets the same reports, paced).
    expect(progress).toContain('step 9/17: volume vm-instances created, replica 3');
    expect(final!.verdict, reportText(final!)).toBe('OK');
    expect(final!.reasons[0]).toBe('13 steps ran, 4 were already done');
    expect(final!.reasons.slice(1)).toEqual(['a file written through the mount on compute01 was read on compute02, compute03', '/gluster status: OK']);

    const { report: status } = await f.run('/gluster status', 'U_VIEWER');
    expect(status.verdict, reportText(status)).toBe('OK');
    const nodes = status.tables.find((t) => t.title === 'Nodes')!;
    expect(nodes.rows.map((r) => [r[0], r[2], r[3], r[4], r[5]])).toEqual(
      ['compute01', 'compute02', 'compute03'].map((n) => [n, 'yes', 'fuse.glusterfs', 'localhost:vm-instances', 'nova:nova']),
    );
    // The runbook went the way the captures did: the probes, the create with force, one chown through the shared mount.
    expect(changes(f).filter((l) => l.startsWith('gluster') || l.startsWith('chown'))).toEqual([
      'gluster peer probe compute02.stack',
      'gluster peer probe compute03.stack',
      'gluster --mode=script volume create vm-instances replica 3 compute01.stack:/gluster/instances compute02.stack:/gluster/instances compute03.stack:/gluster/instances force',
      'gluster volume start vm-instances',
      'chown nova:nova /var/lib/nova/instances',
    ]);
  });

  test('run again, it has nothing to do and asks nobody', async () => {
    const before = changes(f).length;
    const { report } = await f.run('/gluster bootstrap');
    expect(report.verdict).toBe('OK');
    expect(report.title).toBe('Nothing to do: vm-instances on compute01, compute02, compute03 is bootstrapped');
    expect(report.approval).toBeUndefined();
    expect(Object.values(states(report)).filter((s) => !s.startsWith('already done'))).toEqual(['check: writes a file through the mount and reads it on the other nodes']);
    expect(changes(f)).toHaveLength(before);
  });
});

describe('/gluster bootstrap stopped halfway', () => {
  let f: LabFerry;
  beforeAll(async () => {
    f = await startLabFerry({ computes: 3, instances: 3, bare: true, redis: true });
  });
  afterAll(() => f?.stop());

  test('a node whose instances directory holds files is refused before anything runs', async () => {
    await f.rt.ssh.exec('compute02', ['touch', '/var/lib/nova/instances/instance-0001.disk']);
    const { report } = await f.run('/gluster bootstrap');
    expect(report.verdict).toBe('FAIL');
    expect(report.approval).toBeUndefined();
    expect(report.reasons).toEqual([
      'step 13 (compute02: /var/lib/nova/instances mounted from localhost:vm-instances): /var/lib/nova/instances on compute02 is not empty (instance-0001.disk): mounting over it would hide those files, instance disks perhaps; move them away first',
    ]);
    expect(changes(f)).toEqual(['touch /var/lib/nova/instances/instance-0001.disk']);
    await f.rt.ssh.exec('compute02', ['rm', '/var/lib/nova/instances/instance-0001.disk']);
  });

  test('compute03 goes down between the request and the approval: the run stops at its first step there, and resumes once it is back', async () => {
    const { report: asked } = await f.run('/gluster bootstrap');
    await f.lab.fault('compute03', 'down');
    const first = await approve(f, asked);
    expect(first.final!.verdict).toBe('FAIL');
    expect(first.final!.title).toBe('Bootstrap of vm-instances stopped at step 6/17');
    expect(first.final!.reasons[0]).toMatch(/^step 6 \(compute03: glusterfs-server installed, glusterd running\): unreachable/);
    expect(first.final!.notes[0]).toBe('Steps 1-5 are done and stay done; nothing after step 6 was run.');
    const probed = () => changes(f).filter((l) => l.startsWith('gluster peer probe'));
    expect(probed()).toEqual(['gluster peer probe compute02.stack']);

    await f.lab.fault('compute03', 'up');
    const { report: again } = await f.run('/gluster bootstrap --dry-run');
    const s = states(again);
    expect(s['compute02.stack joins the pool of compute01']).toBe('already done: in the pool, connected');
    expect(s['compute02: brick directory /gluster/instances']).toBe('already done: /gluster/instances exists');
    expect(s['compute03: brick directory /gluster/instances']).toBe('to do: /gluster/instances missing');

    const { report: asked2 } = await f.run('/gluster bootstrap');
    const second = await approve(f, asked2);
    expect(second.final!.verdict, reportText(second.final!)).toBe('OK');
    expect(second.final!.reasons[0]).toBe('9 steps ran, 8 were already done');
    expect(probed()).toEqual(['gluster peer probe compute02.stack', 'gluster peer probe compute03.stack']);
    expect((await f.run('/gluster status', 'U_VIEWER')).report.verdict).toBe('OK');
  });
});

/** The approval id behind a message's Approve button, if it has one. */
function approvalIdOf(m: FakeMessage): string | undefined {
  for (const b of m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) {
    const button = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'ferry_approve') : undefined;
    if (button) return button.value;
  }
  return undefined;
}

describe('/gluster bootstrap from Slack', () => {
  test('the plan is posted with Approve / Reject; the approver’s button runs it, and the same message ends with the summary', async () => {
    const h = await startHarness({ bare: true });
    try {
      await h.slash('/gluster bootstrap', { user: 'U_OPS' });
      const asked = await h.waitForMessage((m) => approvalIdOf(m) !== undefined);
      expect(asked.text).toMatch(/^Bootstrap vm-instances on compute01, compute02, compute03\?/);
      expect(messageText(asked)).toMatch(/gluster --mode=script volume create vm-instances replica 3/);
      await h.button('ferry_approve', approvalIdOf(asked)!, { user: 'U_APPROVER', messageTs: asked.ts });
      const done = await h.waitForMessage((m) => m.ts === asked.ts && m.text.startsWith('Bootstrap of vm-instances done'));
      expect(h.slack.messages('C0OPS').filter((m) => !m.thread_ts)).toHaveLength(1);
      expect(approvalIdOf(done)).toBeUndefined();
      // The request (with its buttons) became the run's progress and then its summary: one message throughout.
      expect(done.history.length).toBeGreaterThanOrEqual(2);
      const audit = await h.audit();
      expect(audit.find((a) => a.command === 'gluster bootstrap' && a.outcome === 'approved')).toMatchObject({ user: 'U_APPROVER' });
      expect(audit.find((a) => a.command === 'gluster bootstrap' && a.outcome === 'ok')).toMatchObject({ user: 'U_OPS', detail: expect.stringMatching(/approved by U_APPROVER: 12 steps ran, 5 were already done/) });
    } finally {
      await h.stop();
    }
  });
});
