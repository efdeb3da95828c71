/**
 * What approving an evacuation does. Approval is for exactly the plan shown:
 * when the host's instances changed since its snapshot, nothing starts and a
 * new request with a fresh plan and the difference is posted instead.
 */
import type { ApprovalRequest } from './approval-types.js';
import { createApproval, setApprovalMessage } from './approvals.js';
import type { ApprovalContext, Executor } from './approval-types.js';
import { diffSnapshot, planEvacuation, requestOf, type EvacuationPlan, type SnapshotDiff } from '../cluster/evacuation-plan.js';
import { diffText, planReport } from './evacuation-report.js';
import { enqueueEvacuation, evacuationJobId, hostEvacuation } from './evacuation.js';
import { report, type Report } from '../report.js';
import { approvalOf } from './ask-approval.js';

/** Where the evacuation of a request went when the host changed under it. */
export const supersededKey = (id: string) => `ferry:evac:${id}:superseded`;

/** The 'evacuate' executor: check the snapshot, then queue the parent job (or ask again). */
export const executeEvacuation: Executor = async (request, approvedBy, ctx) => {
  const plan = request.payload as EvacuationPlan;
  const { cluster, jobs, config } = ctx.rt;
  const diff = diffSnapshot(plan, await cluster.nova.list({ host: plan.host, allTenants: true }));
  if (diff) return askAgain(request, diff, ctx);
  const running = await hostEvacuation(jobs, plan.host);
  if (running) {
    return report({ title: `Not evacuating ${plan.host}`, verdict: 'FAIL', reasons: [`${plan.host} is already being evacuated (${running}); nothing was started`] });
  }
  await enqueueEvacuation(jobs, {
    evacId: request.id,
    plan,
    line: request.line,
    requestedBy: request.requestedBy,
    approvedBy,
    channel: request.channel,
    message: request.message,
    pollIntervalMs: config.policy.migration.pollIntervalMs,
    timeoutSeconds: config.policy.migration.timeoutSeconds,
  });
  return report({
    title: `Approved: evacuating ${plan.host}`,
    verdict: 'OK',
    reasons: [`${plan.moves.length} instances to move, ${plan.concurrency.effective} at once; progress in the request's message`],
    notes: [`/evacuate status ${request.id} · /evacuate cancel ${request.id}`],
    job: { id: evacuationJobId(request.id), queue: 'evacuate' },
  });
};

/** Plans again from a fresh snapshot and posts it as a new request; the old message says where it went. */
async function askAgain(request: ApprovalRequest, diff: SnapshotDiff, ctx: ApprovalContext): Promise<Report> {
  const { cluster, jobs, config } = ctx.rt;
  const old = request.payload as EvacuationPlan;
  const plan = await planEvacuation(cluster, requestOf(old));
  const again = await createApproval(jobs.redis, { kind: 'evacuate', line: request.line, requestedBy: request.requestedBy, channel: request.channel, payload: plan }, config.policy.approvalTtlSeconds);
  const r = { ...planReport(plan, { diff, approval: { id: again.id, expiresAt: again.expiresAt, requestedBy: again.requestedBy } }), approval: approvalOf(again, config) };
  const message = await ctx.notifier.post(request.channel, r);
  if (message) await setApprovalMessage(jobs.redis, again.id, message);
  await jobs.redis.set(supersededKey(request.id), again.id, 'EX', 30 * 86400);
  const what = diffText(diff);
  await ctx.notifier.update(
    request.message,
    report({ title: `Not started: ${old.host} changed since this plan`, verdict: 'WARN', reasons: [what, `asked again as request ${again.id} (posted below)`] }),
  );
  await ctx.audit.record({ user: request.requestedBy, channel: request.channel, command: 'evacuate', line: request.line, outcome: 'queued', detail: `request ${request.id} not started, ${old.host} changed (${what}); asked again as ${again.id}` });
  return report({ title: `Not started: ${old.host} changed since the plan`, verdict: 'WARN', reasons: [what, `a new request ${again.id} with a fresh plan waits for approval`] });
}
