/**
 * Who may run what: roles from ferry.yml by Slack user id and user-group id,
 * the channel allowlist, and the minimum role of each command.
 */
import { Roles, type Config, type Role } from './config.js';
import { flagKey, type CommandDefinition } from './command.js';
import { ForbiddenError } from './errors.js';
import { channel as mentionChannel } from './mention.js';

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

/**
 * Whether two caller ids are one person: equal, or a terminal id (`cli:alice`)
 * and the Slack id ferry.yml's cli.users maps that OS user to.
 */
export function samePerson(config: Pick<Config, 'cli'>, a: string, b: string): boolean {
  const person = (id: string) => (id.startsWith('cli:') ? (config.cli.users[id.slice(4)] ?? id) : id);
  return person(a) === person(b);
}

/** true when `role` is at least `needed` (viewer < operator < approver < admin). */
export function hasRole(role: Role | null, needed: Role): boolean {
  return rank(role) >= rank(needed);
}

/** Who is asking, and from where: a Slack channel id, or 'cli' for the terminal. */
export interface Asker {
  role: Role | null;
  channel: string;
}

/**
 * The one check every entry point makes (slash commands, button presses, the
 * terminal): the channel allowlist of ferry.yml, then the least role `need`
 * names (`what` says what it is for). Throws ForbiddenError.
 */
export function admit(config: Pick<Config, 'channels'>, asker: Asker, need?: { role: Role; what: string }): void {
  const { channel, role } = asker;
  if (channel !== 'cli' && config.channels.length > 0 && !config.channels.includes(channel)) {
    throw new ForbiddenError(`ferry does not take commands in this channel; use one of: ${config.channels.map(mentionChannel).join(', ')}`);
  }
  if (need && !hasRole(role, need.role)) {
    throw new ForbiddenError(`${need.what} needs the ${need.role} role; you have ${role ?? 'no role'}`, need.role);
  }
}

/** Throws ForbiddenError naming the role needed, or the channel rule broken. */
export function authorize(config: Config, command: CommandDefinition, role: Role | null, channel: string): void {
  admit(config, { role, channel }, { role: command.role, what: `/${command.name}` });
}

/** A flag given on a line that declares its own role, e.g. `--force` (admin). */
export interface RoleFlag {
  flag: string;
  role: Role;
}

/**
 * The flags of `args` (the router's validated arguments) that declare a role:
 * throws ForbiddenError for the first the caller lacks, else returns them (for
 * the audit). A flag counts as given when its value is neither absent nor false.
 */
export function authorizeFlags(command: CommandDefinition, args: unknown, role: Role | null): RoleFlag[] {
  const values = (args ?? {}) as Record<string, unknown>;
  const given: RoleFlag[] = [];
  for (const [flag, spec] of Object.entries(command.flags ?? {})) {
    if (!spec.role) continue;
    const value = values[flagKey(flag)];
    if (value === undefined || value === false) continue;
    if (!hasRole(role, spec.role)) {
      throw new ForbiddenError(`--${flag} on /${command.name} needs the ${spec.role} role; you have ${role ?? 'no role'}; nothing was run`, spec.role);
    }
    given.push({ flag, role: spec.role });
  }
  return given;
}

/** The audit's words for the role flags a caller used: "--force (admin)". */
export function flagsText(flags: readonly RoleFlag[]): string {
  return flags.map((f) => `--${f.flag} (${f.role})`).join(', ');
}

/** Whether ferry.yml (or the definition) says this command needs a second person. */
export function needsApproval(config: Pick<Config, 'policy'>, command: CommandDefinition): boolean {
  return command.approval === true || config.policy.approval.includes(command.name);
}
