import { z } from 'zod';
import type { Job } from 'bullmq';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import type { EvacuationPlan } from '../src/cluster/evacuation-plan.js';
import { QUEUE, requireJobs } from '../src/jobs/jobs.js';
import { getApproval } from '../src/jobs/approvals.js';
import { evacuationJobId, readEvacuation, type EvacuationJobData, type EvacuationResult } from '../src/jobs/evacuation.js';
import { supersededKey } from '../src/jobs/evacuation-executor.js';
import { planReport, progressReport } from '../src/jobs/evacuation-report.js';
import { user } from '../src/mention.js';

/** An evacuation id as ferry shows it (the approval request's id), with or without `evac-`. */
export const EvacuationId = z
  .string()
  .regex(/^(evac-)?[A-Za-z0-9]{1,32}$/, { error: (i) => `expected an evacuation id like 3fa2b1c9, got ${JSON.stringify(i.input)}` })
  .transform((s) => s.replace(/^evac-/, ''));

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
    const jobs = requireJobs(ctxJobs, '/evacuate status needs Redis (set REDIS_URL or redis.url in ferry.yml)');
    const queue = jobs.queue(QUEUE.evacuate);
    // State first: a job read before it completed would have no return value yet.
    const state = await queue.getJobState(evacuationJobId(args.id));
    const job = state === 'unknown' ? undefined : ((await queue.getJob(evacuationJobId(args.id))) as Job<EvacuationJobData, EvacuationResult> | undefined);
    if (job) {
      if (state === 'completed') return job.returnvalue.report;
      const r = progressReport(await readEvacuation(jobs, args.id, job.data.plan), job.data);
      return state === 'failed' ? { ...r, verdict: 'FAIL', reasons: [`ferry gave up: ${job.failedReason}`, ...r.reasons] } : r;
    }
    const found = await getApproval<EvacuationPlan>(jobs.redis, args.id);
    if (!found || found.request.kind !== 'evacuate') return report({ title: `No evacuation ${args.id}`, verdict: 'FAIL', reasons: [`no evacuation or evacuation request ${args.id} in Redis (they are kept 7 days)`] });
    const { request, decision } = found;
    const plan = request.payload;
    const again = await jobs.redis.get(supersededKey(args.id));
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
