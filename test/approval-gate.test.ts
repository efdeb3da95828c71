/**
 * The approval gate over the whole catalog: every command that its definition
 * or ferry.yml's policy.approval gates runs its example lines through the real
 * dispatcher (lab over real SSH, real redis-server), and the lab's recorded
 * argv shows that nothing that changes the cluster was sent before another
 * person approved; after Approve, it is.
 */
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { commands } from '../commands/index.js';
import { dispatch } from '../src/dispatch.js';
import { needsApproval, roleOf } from '../src/policy.js';
import { LAB_USERS } from '../src/lab/lab.js';
import type { Config } from '../src/config.js';
import type { CommandDefinition } from '../src/command.js';
import type { Report } from '../src/report.js';
import { user } from '../src/mention.js';

const seen = new Map<string, { sent: number; title: string }>();

/** The lab's commands that change something (gluster, nova, openstack and host commands), by argv. */
const MUTATING = [
  /^gluster( --\S+)* (peer (probe|detach)|volume (create|start|stop|delete|set))\b/,
  /^nova( --\S+)* .*\b(live-migration|live-migration-abort|service-disable|service-enable|migrate)\b/,
  /^openstack\b.*\b(server migrate|server migration abort)\b/,
  /^(mkdir|mount|umount|chown|touch|rm|tee|systemctl (start|stop|restart))\b/,
];
const mutations = (f: LabFerry, since: number): string[] =>
  f.lab.calls().slice(since).map((c) => c.argv.join(' ')).filter((l) => MUTATING.some((m) => m.test(l)));

const requester = LAB_USERS.operator;
const approver = LAB_USERS.approver;

/** Waits (polling, with a deadline) until the lab has received a mutating argv since `since`. */
async function mutationAfter(f: LabFerry, since: number): Promise<string[]> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const sent = mutations(f, since);
    if (sent.length) return sent;
  }
  return [];
}

/** Waits (polling, with a deadline) until a BullMQ job has completed or failed. */
async function jobEnded(f: LabFerry, queue: string, id: string): Promise<void> {
  const q = f.rt.jobs!.queue(queue as 'migrate');
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (['completed', 'failed'].includes(await q.getJobState(id))) return;
  }
  throw new Error(`job ${queue}/${id} did not end within 120 s`);
}

function decide(f: LabFerry, r: Report, userId: string): Promise<Report> {
  return f.rt.decideApproval({ approvalId: r.approval!.id, decision: 'approve', userId, role: roleOf(f.config, userId), channel: 'cli' });
}

const run = (f: LabFerry, config: Config, line: string, userId: string) =>
  dispatch({ line, userId, channel: 'cli' }, { ...f.rt.dispatchDeps({ resolveRole: async (id) => roleOf(config, id) }), config, log: pino({ level: 'silent' }) });

/**
 * Runs each example of `command` on a fresh lab; returns whether one of them
 * reached an approval request (then approved, and its mutation seen).
 */
async function gateHolds(command: CommandDefinition, lab: { bare: boolean }, policy: string[]): Promise<boolean> {
  let asked = false;
  for (const line of command.examples) {
    const f = await startLabFerry({ computes: 3, instances: 2, migrateSeconds: 1, bare: lab.bare, redis: true });
    try {
      // The brick directories /gluster volume create's examples name, as an operator makes them first.
      for (const n of f.config.nodes.computes) await f.lab.model.run(n.name, 'mkdir -p /gluster/scratch');
      const config: Config = { ...f.config, policy: { ...f.config.policy, approval: policy } };
      const before = f.lab.calls().length;
      const { report } = await run(f, config, line, requester);
      expect(mutations(f, before), `${line} (${lab.bare ? 'bare' : 'full'} lab) changed the cluster before approval`).toEqual([]);
      if (!report.approval) continue;
      asked = true;
      // The requester cannot approve it, and nothing is sent for that either.
      expect((await decide(f, report, requester)).title).toBe('Not approved');
      expect(mutations(f, before), `${line}: the requester's own Approve changed the cluster`).toEqual([]);
      const approved = await decide(f, report, approver);
      expect(approved.title, `${line}: ${approved.reasons.join('; ')}`).not.toMatch(/^Not approved|^Approved, but/);
      expect(await mutationAfter(f, before), `${line}: nothing changed after approval`).not.toEqual([]);
    } finally {
      await f.stop();
    }
  }
  return asked;
}

/** Each gated command, on the lab where its examples reach an approval (bootstrap: a bare one). */
async function checkCatalog(policy: string[]): Promise<void> {
  const gated = commands.filter((c) => c.plan && needsApproval({ policy: { approval: policy } } as Config, c));
  expect(gated.map((c) => c.name).sort()).toEqual(['evacuate', 'gluster bootstrap', 'gluster volume create', 'gluster volume stop']);
  for (const command of gated) {
    const asked = (await gateHolds(command, { bare: false }, policy)) || (await gateHolds(command, { bare: true }, policy));
    expect(asked, `no example of /${command.name} reached an approval request on either lab`).toBe(true);
  }
}

describe('approval gate over the catalog', () => {
  test('no command gated by its definition sends a mutating argv before another person approves; after Approve it does', { timeout: 600_000 }, async () => {
    await checkCatalog([]);
  });

  test('a run-only command ferry.yml gates sends nothing before another person approves; Approve runs its line as the requester', { timeout: 600_000 }, async () => {
    const f = await startLabFerry({ computes: 3, instances: 2, migrateSeconds: 1, redis: true });
    try {
      const runOnly = commands.filter((c) => c.approval !== true && !c.name.endsWith(' help'));
      const config: Config = { ...f.config, policy: { ...f.config.policy, approval: runOnly.map((c) => c.name) } };
      const requester = LAB_USERS.admin;
      for (const command of runOnly) {
        for (const line of command.examples) {
          const before = f.lab.calls().length;
          const { report } = await run(f, config, line, requester);
          expect(report.approval, `${line}: ${report.title}`).toBeDefined();
          expect(f.lab.calls().slice(before).map((c) => c.argv.join(' ')), `${line} sent something before approval`).toEqual([]);
          expect((await decide(f, report, requester)).title, line).toBe('Not approved');
          expect(f.lab.calls().length, `${line}: the requester's own Approve sent something`).toBe(before);
          const approved = await decide(f, report, approver);
          expect(approved.title, `${line}: ${approved.reasons.join('; ')}`).not.toMatch(/^Not approved|^Approved, but this ferry cannot/);
          if (!/^Approved, but not started/.test(approved.title)) {
            expect(approved.notes, line).toContain(`Approved by ${user(approver)}.`);
            expect(approved.requestedBy, line).toBe(requester);
          }
          seen.set(line, { sent: f.lab.calls().length - before, title: approved.title });
          // A queued job (a /migrate) goes on sending after the answer: the next line is checked once it ended.
          if (approved.job) await jobEnded(f, approved.job.queue, approved.job.id);
        }
      }
      // The ones that talk to the cluster did, once approved; /migrate's mutation among them.
      expect([...seen].filter(([line]) => /^\/(gluster|nova) /.test(line)).filter(([, s]) => s.sent === 0).map(([line]) => line)).toEqual([]);
      expect(await mutationAfter(f, 0)).not.toEqual([]);
    } finally {
      await f.stop();
    }
  });
});
