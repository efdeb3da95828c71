/**
 * The one path from a slash line to a Report, shared by Slack and `ferry run`:
 * route → policy → run (or plan → approval request) → audit. Errors become reports a person can act on.
 * A command that needs approval never runs here: its plan does, and its
 * execute runs only once another person approves (approval-actions.ts); a
 * run-only command ferry.yml gates waits as its line (approved-run.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Caller, CommandDefinition } from './command.js';
import type { MessageRef } from './jobs/notifier.js';
import type { Config, Role } from './config.js';
import type { Cluster } from './cluster/cluster.js';
import type { JobDesk } from './jobs/job-desk.js';
import type { Notifier } from './jobs/notifier.js';
import { outcomeOf, type Audit, type AuditEntry } from './audit.js';
import type { Logger } from './log.js';
import { report, type Report } from './report.js';
import { route } from './router.js';
import { authorize, authorizeFlags, flagsText, needsApproval } from './policy.js';
import { gatedRunReport, type GatedRunPayload } from './approved-run.js';
import { ForbiddenError, isExpectedError, UsageError } from './errors.js';
import { isRedisUnavailable, unreachableLine } from './redis.js';
import { slowCallNotes, watchSlowCalls } from './cluster/slow-calls.js';
import { askApproval } from './jobs/ask-approval.js';

export interface DispatchDeps {
  commands: readonly CommandDefinition[];
  config: Config;
  cluster: Cluster;
  jobs?: JobDesk;
  audit: Audit;
  log: Logger;
  /** Messages beyond the command's own progress (src/ferry.ts builds it; Slack's when there is a token). */
  notifier: Notifier;
  /** The caller's role (ferry.yml users and user groups). */
  resolveRole(userId: string): Promise<Role | null>;
  /** Told of each command's audited outcome (metrics). */
  onOutcome?: (command: string, outcome: AuditEntry['outcome']) => void;
}

export interface DispatchRequest {
  line: string;
  userId: string;
  /** Who the audit names, when more than the id: the terminal's `cli:alice as U0ALICE`. */
  auditAs?: string;
  channel: string;
  requestId?: string;
  progress?: (r: Report) => Promise<MessageRef | undefined>;
}

export interface Outcome {
  report: Report;
  /** Errors, refusals and help go only to the caller. */
  ephemeral: boolean;
  command?: string;
}

/** Runs one slash line for one user. Never throws: every failure is a report. */
export async function dispatch(req: DispatchRequest, deps: DispatchDeps): Promise<Outcome> {
  const requestId = req.requestId ?? randomUUID();
  const log = deps.log.child({ requestId, user: req.userId });
  // A note for the answer when the entry went to the log only (Redis unreachable).
  let auditNote: string | undefined;
  const audit = async (command: string, outcome: AuditEntry['outcome'], detail?: string) => {
    deps.onOutcome?.(command, outcome);
    auditNote = await deps.audit.record({ user: req.auditAs ?? req.userId, channel: req.channel, command, line: req.line, outcome, detail }).catch((err: Error) => {
      log.error({ err }, 'audit write failed');
      return undefined;
    });
  };
  const noted = (r: Report): Report => (auditNote ? { ...r, notes: [...r.notes, auditNote] } : r);
  // Every report posted where others see it names who asked.
  const asked = (r: Report): Report => ({ ...r, requestedBy: req.userId });

  let command: CommandDefinition | undefined;
  try {
    const routed = route(req.line, deps.commands);
    command = routed.command;
    const role = await deps.resolveRole(req.userId);
    authorize(deps.config, command, role, req.channel);
    // Flags that need more than the command (e.g. --force: admin) are checked here for every command, and audited.
    const flags = authorizeFlags(command, routed.args, role);
    const caller: Caller = { id: req.userId, role, channel: req.channel };
    const cmd = command;
    // A slow nova call is named in the report: it says what the wait was for.
    const result = await watchSlowCalls(log, async () => {
      const ctx = {
        args: routed.args,
        user: caller,
        cluster: deps.cluster,
        jobs: deps.jobs,
        audit: deps.audit,
        config: deps.config,
        log: log.child({ command: cmd.name }),
        notifier: deps.notifier,
        commands: deps.commands,
        progress: req.progress ? (r: Report) => req.progress!(asked(r)) : async () => undefined,
        requestId,
      };
      let r: Report;
      if (cmd.approval !== true) {
        // ferry.yml may gate a command that has only run: the line itself waits for approval (approved-run.ts).
        r = needsApproval(deps.config, cmd) ? await askApproval<GatedRunPayload>(ctx, cmd.name, req.line, gatedRunReport(cmd, req.line, req.userId), { role }) : await cmd.run(ctx);
      } else {
        const plan = await cmd.plan(ctx);
        r = 'report' in plan ? plan.report : await askApproval(ctx, cmd.name, plan.line, plan.shown, plan.payload);
      }
      const slow = slowCallNotes();
      return slow.length ? { ...r, notes: [...r.notes, ...slow] } : r;
    });
    const used = flags.length ? `${flagsText(flags)} by ${role}` : undefined;
    await audit(command.name, outcomeOf(result.verdict), [used, result.reasons[0]].filter(Boolean).join('; ') || undefined);
    const ephemeral = command.name.endsWith(' help');
    return { report: ephemeral ? noted(result) : asked(noted(result)), ephemeral, command: command.name };
  } catch (err) {
    const name = command?.name ?? commandNameOf(req.line, deps.commands);
    if (err instanceof UsageError) {
      await audit(name, 'usage', err.message);
      return { report: noted(usageReport(err)), ephemeral: true, command: command?.name };
    }
    if (err instanceof ForbiddenError) {
      await audit(name, 'refused', err.message);
      return { report: noted(report({ title: 'Not allowed', verdict: 'FAIL', reasons: [err.message] })), ephemeral: true, command: command?.name };
    }
    if (isRedisUnavailable(err)) {
      // Expected while Redis is away: one line in the log and in the answer, no stack.
      const line = unreachableLine(deps.config.redis.url, command?.readsOnly ? `/${command.name}` : undefined);
      log.warn({ command: name }, line);
      await audit(name, 'error', line);
      return { report: asked(report({ title: `/${name} did not run`, verdict: 'FAIL', reasons: [line] })), ephemeral: false, command: command?.name };
    }
    // A typed error is an answer the user already sees; only a bug needs its stack in the log.
    if (isExpectedError(err)) log.info({ code: err.code, reason: err.message }, 'command failed');
    else log.error({ err }, 'command failed');
    await audit(name, 'error', (err as Error).message);
    return { report: asked(noted(errorReport(name, err as Error))), ephemeral: false, command: command?.name };
  }
}

/**
 * The command a line names, for the audit of a line the router refused: the
 * longest catalog name its words start with, else its first word. Never an
 * argument ("/migrate 'x; y' z" is audited as migrate).
 */
function commandNameOf(line: string, commands: readonly CommandDefinition[]): string {
  const words = line.trim().replace(/^\//, '').split(/\s+/);
  const known = commands.map((c) => c.name).filter((n) => n.split(' ').every((w, i) => w === words[i]));
  return known.sort((a, b) => b.length - a.length)[0] ?? words[0] ?? '';
}

function usageReport(err: UsageError): Report {
  // Several usages (a command family) are listed one a line.
  const usages = err.usage?.split('\n') ?? [];
  const notes = usages.length > 1 ? ['usage:', ...usages.map((u) => `  ${u}`)] : usages.map((u) => `usage: ${u}`);
  return report({ title: 'Usage', verdict: 'FAIL', reasons: [err.message], notes });
}

/** A failure of a command that was allowed to run: typed errors already say what happened. */
export function errorReport(command: string, err: Error): Report {
  return report({ title: `/${command} failed`, verdict: 'FAIL', reasons: [err.message] });
}
