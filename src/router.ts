/**
 * The router: a slash line ("/migrate cirros1 compute02 --dry-run") becomes a
 * command definition and validated arguments, or a UsageError that carries the
 * usage and what was wrong. Nothing runs here.
 */
import { parseArgs } from 'node:util';
import { parse as shellParse } from 'shell-quote';
import { z } from 'zod';
import { flagKey as camel, type CommandDefinition } from './command.js';
import { UsageError } from './errors.js';
import { VOLUME_NAME } from './config.js';
import { instanceRefProblem } from './cluster/instance-ref.js';
import { closestCommand, helpCommand } from './help.js';

export interface RoutedCommand {
  command: CommandDefinition;
  args: unknown;
}

/** Splits a line into words; quotes group words, nothing is expanded. */
export function tokenize(line: string): string[] {
  // Keep `$x` literal: shell-quote would otherwise substitute environment variables.
  const parts = shellParse(line, (name) => `$${name}`);
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    if ('op' in p && p.op === 'glob') return p.pattern;
    if ('comment' in p) throw new UsageError(`unexpected '#' in the command line`);
    throw new UsageError(`unexpected '${'op' in p ? p.op : '?'}' in the command line; quote it if it is part of an argument`);
  });
}

/** Finds the command whose name is the longest prefix of the words. */
function findCommand(words: string[], commands: readonly CommandDefinition[]): CommandDefinition | undefined {
  let best: CommandDefinition | undefined;
  for (const c of commands) {
    const name = c.name.split(' ');
    if (name.length > words.length) continue;
    if (name.every((w, i) => w === words[i]) && (!best || name.length > best.name.split(' ').length)) best = c;
  }
  return best;
}

/** Parses one slash line against the catalog. Throws UsageError. */
export function route(line: string, commands: readonly CommandDefinition[]): RoutedCommand {
  const words = tokenize(line.trim().replace(/^\//, ''));
  if (words.length === 0) throw new UsageError('empty command; try /ferry help');
  const help = helpCommand(words, commands);
  if (help) return { command: help, args: {} };
  const command = findCommand(words, commands);
  if (!command) {
    const family = commands.filter((c) => c.name.split(' ')[0] === words[0]);
    const asked = `unknown command /${words.slice(0, 2).join(' ')}`;
    if (!family.length) throw new UsageError(`${asked} — try /ferry help`);
    const near = closestCommand(words, family);
    const hint = near ? ` — did you mean /${near.name}?` : ` — try /${words[0]} help`;
    throw new UsageError(`${asked}${hint}`, family.map((c) => c.usage).join('\n'));
  }
  try {
    return { command, args: parseFor(command, words) };
  } catch (err) {
    // "/evacuate stauts 3" reaches /evacuate; a sub-command near its first argument is the likelier meaning.
    const siblings = commands.filter((c) => c !== command && c.name.startsWith(`${command.name} `));
    const near = err instanceof UsageError && words.length > 1 ? closestCommand(words, siblings) : undefined;
    if (near && err instanceof UsageError) throw new UsageError(`${err.message} — did you mean /${near.name}?`, err.usage);
    throw err;
  }
}

/** The validated arguments of the words after the command's name. Throws UsageError. */
function parseFor(command: CommandDefinition, words: string[]): unknown {
  const rest = words.slice(command.name.split(' ').length);
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const options = Object.fromEntries(
      Object.entries(command.flags ?? {}).map(([name, f]) => [name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
    );
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[\w+\]: /, ''), command.usage);
  }
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) raw[camel(k)] = v;
  const names = command.positionals ?? [];
  names.forEach((name, i) => {
    if (name.endsWith('...')) raw[camel(name.slice(0, -3))] = positionals.slice(i);
    else if (positionals[i] !== undefined) raw[camel(name)] = positionals[i];
  });
  const variadic = names.at(-1)?.endsWith('...');
  if (!variadic && positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`, command.usage);
  }
  const parsed = command.args.safeParse(raw);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    throw new UsageError(what, command.usage);
  }
  return parsed.data;
}

/** Argument schemas shared by commands: strict, so nothing odd reaches a command line. */
export const InstanceRef = z.string({ error: 'expected an instance name or id' }).superRefine((ref, ctx) => {
  const problem = instanceRefProblem(ref);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected an instance name or UUID, got ${JSON.stringify(ref)}: ${problem}` });
});

export const HostArg = z
  .string({ error: 'expected a host name' })
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/, {
    error: (i) => `expected a host name, got ${JSON.stringify(i.input)}`,
  });

export const VolumeArg = z
  .string()
  .regex(VOLUME_NAME, { error: (i) => `expected a volume name (letters, digits, '-', '_'), got ${JSON.stringify(i.input)}` });
