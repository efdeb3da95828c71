/**
 * /gluster probe and /gluster volume create|start|stop, by hand, on a bare lab
 * over real SSH with a real redis-server: what each checks first, what needs a
 * second person, and gluster's own answers (shared/fixtures/gluster/setup) when it refuses.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';
import { handleApproval } from '../src/jobs/approval-actions.js';
import { executors } from '../commands/index.js';
import { createNotifier } from '../src/slack/slack-notifier.js';
import { roleOf } from '../src/policy.js';
import type { Report } from '../src/report.js';

const BRICKS = 'compute01:/gluster/instances compute02:/gluster/instances compute03:/gluster/instances';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, bare: true, redis: true });
});
afterAll(() => f?.stop());

/** Presses Approve (or Reject) as `user`: the path the Slack buttons take. */
function decide(r: Report, user = 'U_APPROVER', decision: 'approve' | 'reject' = 'approve'): Promise<Report> {
  expect(r.approval, `no approval asked in ${r.title}: ${r.reasons.join('; ')}`).toBeDefined();
  const ctx = { rt: { ...f.rt, jobs: f.rt.jobs! }, notifier: createNotifier(f.config, pino({ level: 'silent' })), audit: f.rt.audit };
  return handleApproval(ctx, executors, { approvalId: r.approval!.id, decision, userId: user, role: roleOf(f.config, user), channel: 'cli' });
}

/** Every gluster command the lab received that changes something. */
const glusterChanges = () =>
  f.lab.calls().map((c) => c.argv.join(' ')).filter((l) => /^gluster .*(peer probe|volume (create|start|stop))/.test(l));

describe('/gluster probe', () => {
  test('a host that is not in ferry.yml is refused by name, and nothing runs', async () => {
    const { report } = await f.run('/gluster probe compute09');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toEqual(['compute09 is not a compute node in ferry.yml (known: compute01, compute02, compute03)']);
    expect(glusterChanges()).toEqual([]);
  });

  test('a new node joins, and the new pool is shown', async () => {
    const { report } = await f.run('/gluster probe compute02');
    expect(report.verdict).toBe('OK');
    expect(report.title).toBe('compute02.stack joined the pool');
    expect(report.reasons).toEqual(['gluster (on compute01): peer probe: success']);
    expect(report.tables[0]!.rows.map((r) => [r[0], r[2]])).toEqual([
      ['compute02.stack', 'Connected'],
      ['compute01.stack (compute01)', 'Connected'],
    ]);
  });

  test('a node already in the pool: gluster says so, nothing changes', async () => {
    const { report } = await f.run('/gluster probe compute02.stack');
    expect(report.title).toBe('compute02.stack is already in the pool');
    expect(report.reasons).toEqual(['gluster (on compute01): peer probe: Host compute02.stack port 24007 already in peer list', 'nothing changed']);
  });

  test('a node whose glusterd does not answer: gluster’s refusal, and why', async () => {
    await f.lab.fault('compute03', 'glusterd-down');
    const { report } = await f.run('/gluster probe compute03');
    await f.lab.fault('compute03', 'glusterd-up');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toEqual([
      'gluster (on compute01): peer probe: failed: Probe returned with Transport endpoint is not connected',
      'glusterd is inactive on compute03: start it (systemctl start glusterd), or use /gluster bootstrap',
    ]);
    expect((await f.run('/gluster probe compute03')).report.verdict).toBe('OK');
  });
});

describe('/gluster volume create', () => {
  test('missing brick directories are found first; nothing is asked', async () => {
    const { report } = await f.run(`/gluster volume create vm-instances replica 3 ${BRICKS}`);
    expect(report.verdict).toBe('FAIL');
    expect(report.approval).toBeUndefined();
    expect(report.reasons).toEqual([
      'brick directories exist: compute01.stack:/gluster/instances missing (mkdir -p /gluster/instances on compute01); compute02.stack:/gluster/instances missing (mkdir -p /gluster/instances on compute02); compute03.stack:/gluster/instances missing (mkdir -p /gluster/instances on compute03)',
    ]);
  });

  test('bad lines never reach a node: a brick with a shell word, two copies on one node, a count that does not divide', async () => {
    expect((await f.run(`/gluster volume create v replica 3 'compute01:/x;id' compute02:/x compute03:/x`)).report.reasons[0]).toMatch(/expected a brick HOST:\/absolute\/path, got "compute01:\/x;id"/);
    expect((await f.run('/gluster volume create v replica 2 compute01:/x compute02:/x compute03:/x')).report.reasons[0]).toMatch(/multiple of the replica count/);
    const { report } = await f.run('/gluster volume create v replica 2 compute01:/x compute01:/y');
    expect(report.reasons[0]).toMatch(/^one brick per node in each replica set: two copies on one node/);
    expect(glusterChanges().filter((l) => l.includes('create'))).toEqual([]);
  });

  test('needs a second person; gluster’s own refusal of bricks on the root partition is shown as it said it', async () => {
    for (const n of ['compute01', 'compute02', 'compute03']) await f.rt.ssh.exec(n, ['mkdir', '-p', '/gluster/instances']);
    const { report: asked } = await f.run(`/gluster volume create vm-instances replica 3 ${BRICKS}`);
    expect(asked.reasons).toEqual([
      'every check passed',
      'runs compute01: gluster --mode=script volume create vm-instances replica 3 compute01.stack:/gluster/instances compute02.stack:/gluster/instances compute03.stack:/gluster/instances',
    ]);
    expect(glusterChanges().filter((l) => l.includes('create'))).toEqual([]);
    expect((await decide(asked, 'U_OPS')).reasons).toEqual(['you cannot approve your own request: another approver must']);
    const done = await decide(asked);
    expect(done.verdict).toBe('FAIL');
    expect(done.reasons).toEqual([
      "gluster (on compute01): volume create: vm-instances: failed: The brick compute01.stack:/gluster/instances is being created in the root partition. It is recommended that you don't use the system's root partition for storage backend. Or use 'force' at the end of the command if you want to override this behavior.",
    ]);
  });

  test('with --force it is created; a second request for the same name, approved later, gets gluster’s refusal', async () => {
    const line = `/gluster volume create vm-instances replica 3 ${BRICKS} --force`;
    const { report: first } = await f.run(line);
    const { report: second } = await f.run(line, 'U_ADMIN');
    expect((await decide(first)).reasons).toEqual(['gluster (on compute01): volume create: vm-instances: success: please start the volume to access data']);
    const late = await decide(second);
    expect(late.verdict).toBe('FAIL');
    expect(late.reasons).toEqual(['gluster (on compute01): volume create: vm-instances: failed: Volume vm-instances already exists']);
    const { report: again } = await f.run(line);
    expect(again.reasons).toEqual([expect.stringMatching(/^name free: volume vm-instances already exists \(Replicate, Created, bricks compute01.stack:\/gluster\/instances/)]);
    expect(again.approval).toBeUndefined();
  });
});

describe('/gluster volume start', () => {
  test('an operator starts it at once; starting it again runs nothing', async () => {
    const { report } = await f.run('/gluster volume start vm-instances');
    expect(report.verdict, reportText(report)).toBe('OK');
    expect(report.reasons[0]).toBe('gluster (on compute01): volume start: vm-instances: success');
    expect(report.tables[0]!.rows.map((r) => [r[1], r[2]])).toEqual([['compute01', 'Y'], ['compute02', 'Y'], ['compute03', 'Y']]);
    const before = glusterChanges().length;
    const { report: again } = await f.run('/gluster volume start vm-instances');
    expect(again.title).toBe('volume vm-instances is already started');
    expect(glusterChanges()).toHaveLength(before);
  });

  test('a volume that does not exist', async () => {
    expect((await f.run('/gluster volume start nosuchvol')).report.reasons).toEqual(['gluster volume nosuchvol does not exist']);
  });
});

describe('/gluster volume stop', () => {
  test('names every running instance whose disk is on the volume, and stops only once approved', async () => {
    // compute01 and compute02 mount the volume; compute03 does not, so its instance is not at risk.
    for (const n of ['compute01', 'compute02']) await f.rt.ssh.exec(n, ['mount', '-t', 'glusterfs', 'localhost:vm-instances', '/var/lib/nova/instances']);
    await f.lab.fault('control', 'instance-add', 'web1 compute02');
    await f.lab.fault('control', 'instance-add', 'db1 compute03');
    await f.lab.fault('control', 'instance-state', 'cirros3 SHUTOFF');
    const { report: asked } = await f.run('/gluster volume stop vm-instances');
    expect(asked.verdict).toBe('WARN');
    expect(asked.reasons[0]).toBe('stopping vm-instances takes the disks away from 3 running instance(s): cirros1 (compute01), cirros2 (compute01), web1 (compute02)');
    expect(asked.tables[0]!.rows.map((r) => r[0])).toEqual(['cirros1', 'cirros2', 'web1']);
    expect(asked.approval).toBeDefined();
    expect(glusterChanges().filter((l) => l.includes('stop'))).toEqual([]);

    // An instance started on the volume after the request was shown: the approval does not cover it.
    await f.lab.fault('control', 'instance-add', 'web2 compute02');
    const stale = await decide(asked);
    expect(stale.verdict).toBe('FAIL');
    expect(stale.reasons).toEqual(['since the request, 1 more running instance(s) have their disk on vm-instances: web2 (compute02)']);
    expect(glusterChanges().filter((l) => l.includes('stop'))).toEqual([]);

    const { report: again } = await f.run('/gluster volume stop vm-instances');
    expect(again.tables[0]!.rows.map((r) => r[0])).toEqual(['cirros1', 'cirros2', 'web1', 'web2']);
    const done = await decide(again);
    expect(done.reasons[0]).toBe('gluster (on compute01): volume stop: vm-instances: success');
    expect(glusterChanges().filter((l) => l.includes('stop'))).toEqual(['gluster --mode=script volume stop vm-instances']);
    const { report: stopped } = await f.run('/gluster volume stop vm-instances');
    expect(stopped.reasons).toEqual(['volume started: Status: Stopped; there is nothing to stop']);
  });
});
