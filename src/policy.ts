/**
 * Who may run what: roles from ferry.yml by Slack user id and user-group id,
 * the channel allowlist, and the minimum role of each command.
 */
import { Roles, type Config, type Role } from './config.js';
import type { CommandDefinition } from './command.js';
import { ForbiddenError } from './errors.js';

const rank = (r: Role | null): number => (r === null ? -1 : Roles.indexOf(r));

/** The highest role the user holds directly or through one of their groups; null for none. */
export function roleOf(config: Config, userId: string, groupIds: readonly string[] = []): Role | null {
  let best: Role | null = null;
  for (const role of Roles) {
    const m = config.roles[role];
    if (m.users.includes(userId) || m.groups.some((g) => groupIds.includes(g))) {
      if (rank(role) > rank(best)) best = role;
    }
  }
  return best;
}

/** true when `role` is at least `needed` (viewer < operator < approver < admin). */
export function hasRole(role: Role | null, needed: Role): boolean {
  return rank(role) >= rank(needed);
}

/** Throws ForbiddenError naming the role needed, or the channel rule broken. */
export function authorize(config: Config, command: CommandDefinition, role: Role | null, channel: string): void {
  if (channel !== 'cli' && config.channels.length > 0 && !config.channels.includes(channel)) {
    throw new ForbiddenError(`ferry does not take commands in this channel; use one of: ${config.channels.map((c) => `<#${c}>`).join(', ')}`);
  }
  if (!hasRole(role, command.role)) {
    throw new ForbiddenError(`/${command.name} needs the ${command.role} role; you have ${role ?? 'no role'}`, command.role);
  }
  if (approvalUnavailable(config, command)) {
    throw new ForbiddenError(`ferry.yml's policy.approval lists /${command.name}, which has no approval flow: it is refused rather than run without a second person`);
  }
}

/** Whether ferry.yml (or the definition) says this command needs a second person. */
export function needsApproval(config: Pick<Config, 'policy'>, command: CommandDefinition): boolean {
  return command.approval === true || config.policy.approval.includes(command.name);
}

/**
 * ferry.yml may ask approval for a command that has no approval flow of its own
 * (only definitions with `approval: true` ask a second person). Such a command is
 * refused rather than run unapproved.
 */
export function approvalUnavailable(config: Pick<Config, 'policy'>, command: CommandDefinition): boolean {
  return command.approval !== true && config.policy.approval.includes(command.name);
}
