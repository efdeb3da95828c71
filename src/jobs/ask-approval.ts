/**
 * Turns a command's plan into an approval request: the plan goes to Redis as
 * the request's payload, the report the approver sees gets the Approve /
 * Reject buttons (Approve repeats what will happen before it counts) and pings
 * the approvers, and the request remembers that message so the executor can
 * update it in place.
 */
import type { CommandContext } from '../command.js';
import type { Config } from '../config.js';
import type { EvacuationPlan } from '../cluster/evacuation-plan.js';
import type { Report } from '../report.js';
import type { ApprovalRequest } from './approval-types.js';
import { requireDesk } from './job-desk.js';

/**
 * Asks for a second person's approval of `shown`; resolves with the report that carries the request.
 * `shown` may be a function of the request, for a report that names the request itself;
 * a plain report gets a note saying who must approve.
 */
export async function askApproval<P>(ctx: CommandContext<unknown>, kind: string, line: string, shown: Report | ((request: ApprovalRequest<P>) => Report), payload: P): Promise<Report> {
  const { user, config } = ctx;
  const jobs = requireDesk(ctx.jobs, `/${kind} needs a second person's approval, which ferry keeps in Redis (set REDIS_URL or redis.url in ferry.yml); nothing was run`);
  const request = await jobs.createApproval({ kind, line, requestedBy: user.id, channel: user.channel, payload }, config.policy.approvalTtlSeconds);
  const base =
    typeof shown === 'function'
      ? shown(request)
      : { ...shown, notes: [...shown.notes, `Waiting for another person with the approver role (request ${request.id}, expires ${request.expiresAt}). Nothing runs before that.`] };
  const asked: Report = { ...base, approval: approvalOf(request, config) };
  const message = await ctx.progress(asked);
  if (message) await jobs.setApprovalMessage(request.id, message);
  return asked;
}

/** A report's `approval` for a request: its id, who is pinged, and what the Approve dialog repeats. */
export function approvalOf(request: ApprovalRequest, config: Pick<Config, 'policy'>): NonNullable<Report['approval']> {
  const approvers = config.policy.approverGroup;
  return { id: request.id, expiresAt: request.expiresAt, ...(approvers ? { approvers } : {}), confirm: confirmOf(request) };
}

/** For an evacuation: the host, the instances and how many at once; for other kinds, the request's line. */
function confirmOf(request: ApprovalRequest): NonNullable<NonNullable<Report['approval']>['confirm']> {
  if (request.kind === 'evacuate') {
    const plan = request.payload as EvacuationPlan;
    const n = plan.moves.length;
    const at = plan.concurrency.effective;
    return {
      title: `Evacuate ${plan.host}?`,
      text: `nova-compute on ${plan.host} is disabled, then ${n} instance${n === 1 ? '' : 's'} live-migrate${n === 1 ? 's' : ''} off it, ${at} at once`,
      items: plan.moves.map((m) => m.instanceName),
    };
  }
  return { title: `Approve /${request.kind}?`, text: `Approving runs ${request.line}, as shown in the request.` };
}
