import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { requireDesk } from '../src/jobs/job-desk.js';
import type { EvacuationJobData } from '../src/jobs/evacuation.js';
import type { MoveStatus } from '../src/jobs/evacuation-state.js';
import { EvacuationId } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'evacuate cancel',
  usage: '/evacuate cancel <id>',
  summary: 'Stop an evacuation: pending migrations are dropped; the answer offers /migrate abort for the running ones',
  examples: ['/evacuate cancel 3fa2b1c9'],
  positionals: ['id'],
  args: z.object({ id: EvacuationId }),
  role: 'operator',
  run: async ({ args, jobs: ctxJobs, user, notifier }): Promise<Report> => {
    const jobs = requireDesk(ctxJobs, '/evacuate cancel needs Redis (set REDIS_URL or redis.url in ferry.yml)');
    const job = await jobs.evacuation(args.id);
    if (!job) {
      // Not started yet: cancelling the request is rejecting it (the requester or an approver may).
      const found = await jobs.approval(args.id);
      if (found && found.request.kind !== 'evacuate') return report({ title: `Cannot cancel ${args.id}`, verdict: 'FAIL', reasons: [`${args.id} is a /${found.request.kind} request, not an evacuation`] });
      // The request's message loses its buttons and says who cancelled it.
      const r = await jobs.refuseRequest(args.id, user.id, user.role, 'cancelled', notifier);
      if (!r.ok) return report({ title: `Cannot cancel ${args.id}`, verdict: 'FAIL', reasons: [r.reason] });
      return report({ title: `Cancelled request ${args.id}`, verdict: 'OK', reasons: [`the evacuation of ${(r.request.payload as EvacuationJobData['plan']).host} was not started and will not be`] });
    }
    if (job.state === 'completed' || job.state === 'failed') return report({ title: `Evacuation ${args.id} has already ended`, verdict: 'FAIL', reasons: [`nothing to cancel (${job.state}); see /evacuate status ${args.id}`] });
    const first = await jobs.cancelEvacuation(args.id, user.id);
    const evacuation = await job.moves();
    const c = (await import('../src/jobs/evacuation-report.js')).counts(evacuation);
    const lines = abortLines(evacuation.moves);
    return report({
      title: `Cancelling the evacuation of ${job.data.plan.host}`,
      verdict: first ? 'OK' : 'INFO',
      reasons: [
        first ? `${c.cancelled} pending migrations dropped; ${c.running} running go on and will be reported unless aborted` : 'cancel was already asked; running migrations go on unless aborted',
        `nova-compute on ${job.data.plan.host} stays disabled`,
      ],
      notes: [...(lines.length ? [`To stop the running ones too (each stays on ${job.data.plan.host}):`, ...lines] : []), `/evacuate status ${args.id}`],
      ...(lines.length ? { actions: lines.map((line) => ({ label: `Abort ${line.split(' ').at(-1)}`, line })) } : {}),
    });
  },
});

/** The exact `/migrate abort` line of each running move: by name, or by id where the plan has the name twice. */
function abortLines(moves: MoveStatus[]): string[] {
  const named = (name: string) => moves.filter((m) => m.move.instanceName === name).length === 1;
  return moves.filter((m) => m.state === 'running').map((m) => `/migrate abort ${named(m.move.instanceName) ? m.move.instanceName : m.move.instanceId}`);
}
