import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import type { EvacuationPlan } from '../src/cluster/evacuation-plan.js';
import { requireDesk } from '../src/jobs/job-desk.js';
import { user } from '../src/mention.js';
import { EvacuationId } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'evacuate status',
  usage: '/evacuate status <id>',
  summary: 'Where an evacuation is: waiting for approval, running (per instance) or its summary',
  examples: ['/evacuate status 3fa2b1c9'],
  positionals: ['id'],
  args: z.object({ id: EvacuationId }),
  role: 'viewer',
  readsOnly: true,
  run: async ({ args, jobs: ctxJobs }): Promise<Report> => {
    const jobs = requireDesk(ctxJobs, '/evacuate status needs Redis (set REDIS_URL or redis.url in ferry.yml)');
    const { planReport, progressReport } = await import('../src/jobs/evacuation-report.js');
    const job = await jobs.evacuation(args.id);
    if (job) {
      if (job.result) return job.result.report;
      const r = progressReport(await job.moves(), job.data);
      return job.state === 'failed' ? { ...r, verdict: 'FAIL', reasons: [`ferry gave up: ${job.failedReason}`, ...r.reasons] } : r;
    }
    const found = await jobs.approval<EvacuationPlan>(args.id);
    if (!found || found.request.kind !== 'evacuate') return report({ title: `No evacuation ${args.id}`, verdict: 'FAIL', reasons: [`no evacuation or evacuation request ${args.id} in Redis (they are kept 7 days)`] });
    const { request, decision } = found;
    const plan = request.payload;
    const again = await jobs.supersededBy(args.id);
    const [label, detail] = again
      ? ['not started', `the instances on ${plan.host} changed; asked again as request ${again}`]
      : decision?.decision === 'reject'
        ? ['rejected', `rejected by ${user(decision.by)} at ${decision.at}`]
        : decision
          ? ['not started', `approved by ${user(decision.by)} at ${decision.at}, but not started (see the answer to the approval)`]
          : Date.now() > Date.parse(request.expiresAt)
            ? ['expired', `expired at ${request.expiresAt} without a decision`]
            : ['waiting for approval', `waiting for an approver until ${request.expiresAt}`];
    const r = planReport(plan, { approval: { id: request.id, expiresAt: request.expiresAt, requestedBy: request.requestedBy } });
    return { ...r, title: `Evacuation ${args.id} of ${plan.host}: ${label}`, verdict: 'INFO', reasons: [detail, ...r.reasons] };
  },
});
