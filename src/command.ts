/**
 * defineCommand() and the types every command uses. A command declares its
 * words, its arguments (positionals, flags and a zod schema), its policy (role,
 * approval) and either `run`, which returns a Report, or, when it changes the
 * cluster behind a second person's approval, `plan` (reads only) and `execute`
 * (runs the approved payload); the dispatcher asks for the approval in between.
 * It never touches Slack or the terminal.
 */
import type * as z from 'zod';
import type { Config, Role } from './config.js';
import type { Logger } from './log.js';
import type { Report } from './report.js';
import type { Cluster } from './cluster/cluster.js';
import type { JobDesk } from './jobs/job-desk.js';
import type { MessageRef, Notifier } from './jobs/notifier.js';
import type { Audit } from './audit.js';
import type { ApprovalRequest, Executor } from './jobs/approval-types.js';


/** Who asked, as the policy resolved them. */
export interface Caller {
  id: string;
  role: Role | null;
  /** Where the request came from: a Slack channel id, or 'cli'. */
  channel: string;
}

export interface CommandContext<A> {
  args: A;
  user: Caller;
  cluster: Cluster;
  /** ferry's jobs, through named operations only; present when Redis is configured (serve, worker, demo), absent in a bare `ferry run`. */
  jobs?: JobDesk;
  /** The audit trail (read by `/ferry audit`); absent where the surface keeps none. */
  audit?: Audit;
  config: Config;
  log: Logger;
  /** The catalog the dispatcher routes over (for /ferry help). */
  commands: readonly CommandDefinition[];
  /** Other messages the command changes (a cancelled request's message); the surface provides it. */
  notifier: Notifier;
  /**
   * Shows a report as the command's progress message: the first call posts it,
   * later calls replace it in place (throttled by the surface). Returns where it
   * is, so a job can go on updating it; undefined on surfaces without messages.
   */
  progress(report: Report): Promise<MessageRef | undefined>;
  /** A unique id for this request (the Slack trigger id or a random one). */
  requestId: string;
}

export interface FlagSpec {
  type: 'boolean' | 'string';
  short?: string;
  /** The least role that may give this flag (above the command's own); the dispatcher refuses it to anyone below and audits its use. */
  role?: Role;
}

interface CommandBase<S extends z.ZodType> {
  /** The words that select it, without the slash: 'migrate', 'gluster status'. */
  name: string;
  usage: string;
  summary: string;
  /** Full lines; they are the help text and parser test cases at once. */
  examples: string[];
  /** Names of positional arguments, in order; a trailing '...' on the last collects the rest. */
  positionals?: string[];
  /** Flags by long name, e.g. { 'dry-run': { type: 'boolean' } }; parsed into camelCase keys. */
  flags?: Record<string, FlagSpec>;
  args: S;
  role: Role;
  /** true: it only reads what ferry keeps in Redis, so a Redis outage means it could not read, not that nothing was started. */
  readsOnly?: boolean;
}

/**
 * What a mutating command's plan found: an answer with nothing to approve (a
 * dry run, a refusal, nothing to do), or the exact payload a second person
 * approves, with the line and report they see (a report may name the request).
 */
export type Plan<P = unknown> =
  | { report: Report }
  | { line: string; shown: Report | ((request: ApprovalRequest) => Report); payload: P };

/** A command that runs as asked; ferry.yml's policy.approval cannot gate it (it is refused instead). */
export interface RunCommand<S extends z.ZodType = z.ZodType> extends CommandBase<S> {
  approval?: false;
  run(ctx: CommandContext<z.infer<S>>): Promise<Report>;
  plan?: never;
  execute?: never;
}

/**
 * A command that changes the cluster only after a second person with the
 * approver role approves: `plan` reads and returns the payload, the dispatcher
 * asks for approval, and `execute` runs the approved payload (Approve button,
 * `ferry approve`). Nothing it sends before approval can change anything.
 */
export interface PlannedCommand<S extends z.ZodType = z.ZodType> extends CommandBase<S> {
  approval: true;
  plan(ctx: CommandContext<z.infer<S>>): Promise<Plan>;
  execute: Executor;
  run?: never;
}

export type CommandDefinition<S extends z.ZodType = z.ZodType> = RunCommand<S> | PlannedCommand<S>;

/** The key of a flag in the parsed arguments: `dry-run` → `dryRun`. */
export const flagKey = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Identity function that gives a command definition its types. */
export function defineCommand<S extends z.ZodType>(def: CommandDefinition<S>): CommandDefinition<S> {
  return def;
}
