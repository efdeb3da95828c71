/**
 * The bootstrap worker runs only argv built from the approved spec: job data
 * changed in Redis between the approval and the run (the old `steps` field, or
 * the spec itself) never puts a command on a node that the spec does not produce.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { handleApproval } from '../src/jobs/approval-actions.js';
import { executors } from '../commands/index.js';
import { createNotifier } from '../src/slack/slack-notifier.js';
import { startWorkers } from '../src/jobs/workers.js';
import { roleOf } from '../src/policy.js';
import { bootstrapSteps } from '../src/cluster/bootstrap.js';
import type { BootstrapJobData } from '../src/jobs/bootstrap.js';
import type { Report } from '../src/report.js';

const MUTATING = /^(mkdir|mount|chown|touch|rm|systemctl start|gluster peer probe|gluster --mode=script volume create|gluster volume start)\b/;
const log = pino({ level: 'silent' });

let f: LabFerry;
beforeAll(async () => {
  // No worker yet: the approved job waits in Redis until the test has changed it.
  f = await startLabFerry({ computes: 3, instances: 3, bare: true, redis: true, workers: false });
});
afterAll(() => f?.stop());

/** Requests a bootstrap as U_OPS, approves it as U_APPROVER, and returns the queued job's answer. */
async function approvedJob(): Promise<Report> {
  const { report } = await f.run('/gluster bootstrap');
  expect(report.approval, report.reasons.join('; ')).toBeDefined();
  const rt = { ...f.rt, jobs: f.rt.jobs! };
  const answer = await handleApproval({ rt, notifier: createNotifier(f.config, log), audit: f.rt.audit }, executors, {
    approvalId: report.approval!.id,
    decision: 'approve',
    userId: 'U_APPROVER',
    role: roleOf(f.config, 'U_APPROVER'),
    channel: 'cli',
  });
  expect(answer.job, answer.reasons.join('; ')).toBeDefined();
  return answer;
}

/** Changes the queued job's data the way anyone with Redis access could, then lets a worker run it. */
async function tamperAndRun(answer: Report, change: (d: BootstrapJobData & Record<string, unknown>) => object): Promise<Report> {
  const job = (await f.rt.jobs!.queue('bootstrap').getJob(answer.job!.id))!;
  await job.updateData(change(job.data as BootstrapJobData & Record<string, unknown>) as BootstrapJobData);
  const workers = startWorkers({ ...f.rt, jobs: f.rt.jobs! }, createNotifier(f.config, log));
  try {
    return await f.finish(answer);
  } finally {
    await workers.close();
  }
}

const mutatingCalls = (from: number) => f.lab.calls().slice(from).map((c) => `${c.node}: ${c.argv.join(' ')}`).filter((l) => MUTATING.test(l.replace(/^\S+: /, '')));

describe('bootstrap steps are rebuilt from the approved spec at run time', () => {
  test('a spec changed in Redis after approval (another brick path) runs nothing, and says why', async () => {
    const answer = await approvedJob();
    const from = f.lab.calls().length;
    const final = await tamperAndRun(answer, (d) => ({ ...d, spec: { ...d.spec, brickPath: '/etc/tampered' } }));
    expect(final.verdict).toBe('FAIL');
    expect(final.reasons[0]).toMatch(/not one this ferry.yml would build \(brick path \/etc\/tampered, ferry.yml has \/gluster\/instances\); nothing was run/);
    expect(mutatingCalls(from)).toEqual([]);
  });

  test('argv written into the job data after approval never runs: only what the spec produces does', async () => {
    const answer = await approvedJob();
    const from = f.lab.calls().length;
    let spec: BootstrapJobData['spec'] | undefined;
    const final = await tamperAndRun(answer, (d) => {
      spec = d.spec;
      const evil = { node: 'compute01', argv: ['touch', '/etc/ferry-tampered'] };
      const steps = bootstrapSteps(d.spec).map((s) => ({ ...s, commands: s.kind === 'brick' ? [evil] : s.commands }));
      return { ...d, steps };
    });
    const allowed = new Set(bootstrapSteps(spec!).flatMap((s) => s.commands.map((c) => `${c.node}: ${c.argv.join(' ')}`)));
    const ran = mutatingCalls(from);
    expect(ran.filter((l) => !allowed.has(l))).toEqual([]);
    expect(ran).not.toContain('compute01: touch /etc/ferry-tampered');
    expect(ran).toContain('compute01: mkdir -p /gluster/instances');
    expect(final.verdict, final.reasons.join('; ')).toBe('OK');
  });
});
