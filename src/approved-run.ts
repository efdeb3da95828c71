/**
 * Approval for a command that has only `run`, when ferry.yml's policy.approval
 * lists it: the dispatcher asks for approval of the line as typed (gatedRun), and
 * Approve runs that line, routed and validated again, as the person who asked
 * (approvedRun). Nothing of it runs before another approver approves.
 */
import type { CommandDefinition, RunCommand } from './command.js';
import type { Role } from './config.js';
import type { ApprovalRequest, Executor } from './jobs/approval-types.js';
import { outcomeOf } from './audit.js';
import { report, type Report } from './report.js';
import { route } from './router.js';
import { user as mentionUser } from './mention.js';

/** What a gated run-only command's request keeps besides its line: the requester's role when they asked. */
export interface GatedRunPayload {
  role: Role | null;
}

/** The report the approver sees: the line, who asked, and that its checks run once approved. */
export function gatedRunReport(command: RunCommand, line: string, requestedBy: string): Report {
  return report({
    title: `${line}: waiting for approval`,
    verdict: 'INFO',
    reasons: [`ferry.yml's policy.approval lists /${command.name}: ${mentionUser(requestedBy)} asked for it, and it runs only once another approver approves`],
    notes: ['Approving runs the line exactly as asked, with its own checks at that moment; their answer replaces this message.'],
  });
}

/** The executor of a gated run-only command: runs the approved line as the requester, in the request's message. */
export function approvedRun(command: RunCommand, catalog: readonly CommandDefinition[]): Executor {
  return async (request: ApprovalRequest, approvedBy, ctx) => {
    const routed = route(request.line, catalog);
    if (routed.command !== command) throw new Error(`request ${request.id} names /${routed.command.name}, not /${command.name}`);
    const { rt, notifier, audit } = ctx;
    const progress = async (r: Report) => {
      await notifier.update(request.message, r);
      return request.message;
    };
    const result = await command.run({
      args: routed.args,
      user: { id: request.requestedBy, role: (request.payload as GatedRunPayload).role, channel: request.channel },
      cluster: rt.cluster,
      jobs: (await import('./jobs/redis-job-desk.js')).jobDesk(rt.jobs),
      audit,
      config: rt.config,
      log: rt.log.child({ command: command.name, requestId: request.id }),
      notifier,
      commands: catalog,
      progress,
      requestId: request.id,
    });
    const shown: Report = { ...result, requestedBy: request.requestedBy, notes: [...result.notes, `Approved by ${mentionUser(approvedBy)}.`] };
    await audit.record({ user: request.requestedBy, channel: request.channel, command: command.name, line: request.line, outcome: outcomeOf(result.verdict), detail: `approved by ${approvedBy}; ${result.reasons[0] ?? result.title}` });
    // A job now owns the message and updates it to the end.
    if (!result.job) await notifier.update(request.message, shown);
    return shown;
  };
}
