/**
 * What an Approve or Reject button does: decide the request (policy in
 * approvals.ts), audit it, and on approval hand the plan to the executor of
 * its kind (an evacuation, a bootstrap). Shared by Slack buttons and `ferry approve`.
 */
import type { Audit } from '../audit.js';
import type { Role } from '../config.js';
import type { ApprovalContext, ApprovalRequest, DecideResult, Executor } from './approval-types.js';
import type { Notifier } from './notifier.js';
import type { Jobs } from './jobs.js';
import type { Redis } from 'ioredis';
import { decideApproval, getApproval, withdrawDecision } from './approvals.js';
import { report, type Report } from '../report.js';
import { unreachableLine } from '../redis.js';
import { admit, samePerson } from '../policy.js';
import { ForbiddenError } from '../errors.js';
import { user } from '../mention.js';



export async function handleApproval(
  ctx: ApprovalContext,
  executors: Readonly<Record<string, Executor>>,
  args: { approvalId: string; decision: 'approve' | 'reject'; userId: string; role: Role | null; channel: string },
): Promise<Report> {
  // The same policy as a slash command (channel allowlist, role), before anything is read or decided.
  const refused = await admitDecision(ctx, args);
  if (refused) return refused;
  // Decided nothing, and says so in one line, rather than a connection error.
  if (!ctx.rt.redisReady()) return report({ title: `Not ${args.decision === 'approve' ? 'approved' : 'rejected'}`, verdict: 'FAIL', reasons: [unreachableLine(ctx.rt.config.redis.url)] });
  const own = await ownRequestUnderAnotherId(ctx, args);
  if (own) return own;
  const result =
    args.decision === 'reject'
      ? await refuseRequest(ctx.rt.jobs.redis, ctx.notifier, args.approvalId, args.userId, args.role, 'rejected')
      : await decideApproval(ctx.rt.jobs.redis, args.approvalId, args.userId, args.role, 'approve');
  if (!result.ok && result.expired && result.request) await ctx.notifier.update(result.request.message, closedReport(result.request, 'expired'));
  const command = result.request?.kind ?? 'approval';
  const line = result.request?.line ?? `approval ${args.approvalId}`;
  if (!result.ok) {
    const outcome = /expired/.test(result.reason) ? 'expired' : 'refused';
    await ctx.audit.record({ user: args.userId, channel: args.channel, command, line, outcome, detail: `${args.decision}: ${result.reason}` });
    return report({ title: `Not ${args.decision === 'approve' ? 'approved' : 'rejected'}`, verdict: 'FAIL', reasons: [result.reason] });
  }
  const { request } = result;
  await ctx.audit.record({ user: args.userId, channel: args.channel, command, line, outcome: args.decision === 'approve' ? 'approved' : 'rejected', detail: `request ${request.id} by ${request.requestedBy}` });
  if (args.decision === 'reject') return closedReport(request, 'rejected', args.userId);
  const execute = executors[request.kind];
  if (!execute) return report({ title: 'Approved, but this ferry cannot run it', verdict: 'FAIL', reasons: [`no executor for ${request.kind}`] });
  try {
    return await execute(request, args.userId, ctx);
  } catch (err) {
    // Executors queue work under ids derived from the request, or check the cluster first: approving again does not do it twice.
    await withdrawDecision(ctx.rt.jobs.redis, request.id);
    await ctx.audit.record({ user: args.userId, channel: args.channel, command, line, outcome: 'error', detail: `approved, but not started: ${(err as Error).message}` });
    return report({ title: `Approved, but not started: ${request.line}`, verdict: 'FAIL', reasons: [(err as Error).message], notes: ['Nothing was started; the request can be approved again once this is fixed.'] });
  }
}

/** The policy check of a button press or `ferry approve`: the refusal, audited, or undefined when admitted. */
async function admitDecision(ctx: ApprovalContext, args: { approvalId: string; decision: 'approve' | 'reject'; userId: string; role: Role | null; channel: string }): Promise<Report | undefined> {
  try {
    // The role a decision needs depends on the request (approving: an approver other than the requester;
    // rejecting: an approver, or the requester withdrawing), so approvals.ts checks it with policy.hasRole once it has read it.
    admit(ctx.rt.config, args);
    return undefined;
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    await ctx.audit.record({ user: args.userId, channel: args.channel, command: 'approval', line: `${args.decision} ${args.approvalId}`, outcome: 'refused', detail: err.message });
    return report({ title: `Not ${args.decision === 'approve' ? 'approved' : 'rejected'}`, verdict: 'FAIL', reasons: [err.message], notes: ['Nothing was started.'] });
  }
}

/**
 * An approval by the requester under their other identity (the terminal's
 * `cli:alice` and Slack's U0ALICE, by ferry.yml's cli.users) is refused as a
 * self-approval; the same id is refused by approvals.ts.
 */
async function ownRequestUnderAnotherId(ctx: ApprovalContext & { rt: { jobs: Jobs } }, args: { approvalId: string; decision: 'approve' | 'reject'; userId: string; channel: string }): Promise<Report | undefined> {
  if (args.decision !== 'approve') return undefined;
  const request = (await getApproval(ctx.rt.jobs.redis, args.approvalId))?.request;
  if (!request || request.requestedBy === args.userId || !samePerson(ctx.rt.config, request.requestedBy, args.userId)) return undefined;
  const reason = `you cannot approve your own request (you asked as ${request.requestedBy}): another approver must`;
  await ctx.audit.record({ user: args.userId, channel: args.channel, command: request.kind, line: request.line, outcome: 'refused', detail: `approve: ${reason}` });
  return report({ title: 'Not approved', verdict: 'FAIL', reasons: [reason] });
}

/**
 * Rejects (the Reject button) or cancels (`/evacuate cancel`) a request not yet
 * approved, and says so in its message, whose buttons go. Same policy as
 * rejecting: the requester or an approver.
 */
export async function refuseRequest(redis: Redis, notifier: Notifier, id: string, userId: string, role: Role | null, how: 'rejected' | 'cancelled'): Promise<DecideResult<unknown>> {
  const result = await decideApproval(redis, id, userId, role, 'reject');
  if (result.ok) await notifier.update(result.request.message, closedReport(result.request, how, userId));
  return result;
}

/** What a request that will never run shows in place of its buttons. */
function closedReport(request: ApprovalRequest, how: 'rejected' | 'cancelled' | 'expired', by?: string): Report {
  const title = `${how === 'rejected' ? 'Rejected' : how === 'cancelled' ? 'Cancelled' : 'Expired'}: ${request.line}`;
  const who = by === request.requestedBy ? `${user(by)}, who asked for it` : `${user(by)}`;
  const reason = how === 'expired' ? `nobody approved it before ${request.expiresAt}` : `${how} by ${who}`;
  return report({ title, verdict: 'INFO', reasons: [`${reason}; nothing was started`], notes: how === 'expired' ? ['Ask again to get a fresh plan approved.'] : [], requestedBy: request.requestedBy });
}
