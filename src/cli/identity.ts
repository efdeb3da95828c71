/**
 * Who is at the terminal: the OS user running ferry, and the Slack id ferry.yml's
 * `cli.users` maps them to. `--as` may only repeat that id; a terminal without an
 * entry is break-glass admin for `ferry run` (marked so) and cannot approve.
 */
import os from 'node:os';
import type { Config } from '../config.js';

/** The terminal's caller as ferry sees it. */
export interface TerminalIdentity {
  osUser: string;
  /** From cli.users; absent for an OS user ferry.yml does not name. */
  slackId?: string;
  /** How the audit names them: `cli:alice as U0ALICE`, or `cli:root (break-glass admin)`. */
  auditName: string;
}

/** The identity of `osUser` (default: the OS user running this process). */
export function terminalIdentity(config: Pick<Config, 'cli'>, osUser = os.userInfo().username): TerminalIdentity {
  const slackId = config.cli.users[osUser];
  return slackId ? { osUser, slackId, auditName: `cli:${osUser} as ${slackId}` } : { osUser, auditName: `cli:${osUser} (break-glass admin)` };
}

/** Why `--as` is refused for this identity, or undefined when it names the mapped id (or is absent). */
export function asProblem(id: TerminalIdentity, as: string | undefined): string | undefined {
  if (as === undefined || as === id.slackId) return undefined;
  return id.slackId
    ? `--as ${as} is not OS user ${id.osUser}'s Slack id: ferry.yml's cli.users maps ${id.osUser} to ${id.slackId}; nothing was run`
    : `--as ${as}: OS user ${id.osUser} has no Slack id in ferry.yml's cli.users, so ferry cannot tell who they are; nothing was run`;
}

/** The one line a break-glass answer carries. */
export const breakGlassLine = (id: TerminalIdentity) => `break-glass: run as admin by OS user ${id.osUser} (no cli.users entry in ferry.yml)`;
