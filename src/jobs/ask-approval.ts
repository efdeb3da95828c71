/**
 * Turns a command's plan into an approval request: the plan goes to Redis as
 * the request's payload, the report the approver sees gets the Approve /
 * Reject buttons, and the request remembers that message so the executor can
 * update it in place.
 */
import type { CommandContext } from '../command.js';
import type { Report } from '../report.js';
import { createApproval, setApprovalMessage } from './approvals.js';
import { requireJobs } from './jobs.js';

/** Asks for a second person's approval of `shown`; resolves with the report that carries the request. */
export async function askApproval<P>(ctx: CommandContext<unknown>, kind: string, line: string, shown: Report, payload: P): Promise<Report> {
  const { user, config } = ctx;
  const jobs = requireJobs(ctx.jobs, `/${kind} needs a second person's approval, which ferry keeps in Redis (set REDIS_URL or redis.url in ferry.yml); nothing was run`);
  const request = await createApproval(jobs.redis, { kind, line, requestedBy: user.id, channel: user.channel, payload }, config.policy.approvalTtlSeconds);
  const asked: Report = {
    ...shown,
    notes: [...shown.notes, `Waiting for another person with the approver role (request ${request.id}, expires ${request.expiresAt}). Nothing runs before that.`],
    approval: { id: request.id, expiresAt: request.expiresAt },
  };
  const message = await ctx.progress(asked);
  if (message) await setApprovalMessage(jobs.redis, request.id, message);
  return asked;
}
