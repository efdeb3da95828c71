/**
 * Help where you are: `/gluster help`, `/migrate help`, `/gluster volume create help`
 * answer with the usage, role and examples of the commands they name, and a mistyped
 * sub-command is answered with the closest one.
 */
import { distance } from 'fastest-levenshtein';
import * as z from 'zod';
import type { CommandDefinition } from './command.js';
import type { Config } from './config.js';
import { needsApproval } from './policy.js';
import { report, type Report } from './report.js';

/** The words that ask for help after a family or a command name. */
const HELP_WORDS = new Set(['help', '--help', '-h']);

/** The help report of some commands: usage, what each does, role, approval; then their examples, one a line. */
export function helpReport(title: string, commands: readonly CommandDefinition[], config: Pick<Config, 'policy'>, notes: string[] = []): Report {
  return report({
    title,
    tables: [
      {
        title: 'Commands',
        columns: ['Usage', 'What it does', 'Role', 'Approval'],
        rows: commands.map((c) => [c.usage, c.summary, c.role, needsApproval(config, c) ? 'yes' : '']),
      },
      { title: 'Examples', columns: ['Example', 'Command'], rows: commands.flatMap((c) => c.examples.map((ex) => [ex, `/${c.name}`])) },
    ],
    notes,
  });
}

/**
 * The help command a line asks for ("gluster help", "migrate --help", "gluster volume create help"),
 * or undefined when the line is not a request for help. `ferry help` is a command of its own.
 */
export function helpCommand(words: string[], commands: readonly CommandDefinition[]): CommandDefinition | undefined {
  const last = words.at(-1);
  if (words.length < 2 || last === undefined || !HELP_WORDS.has(last)) return undefined;
  const asked = words.slice(0, -1).join(' ');
  if (commands.some((c) => c.name === words.join(' '))) return undefined;
  const named = commands.filter((c) => c.name === asked || (words.length === 2 && c.name.split(' ')[0] === asked));
  if (!named.length) return undefined;
  return {
    name: `${asked} help`,
    usage: `/${asked} help`,
    summary: `Usage, examples and role of /${asked}`,
    examples: [],
    args: z.object({}),
    role: 'viewer',
    run: async ({ config }) => helpReport(`/${asked}`, named, config),
  };
}

/** The family command closest to the mistyped words ("gluster stauts" → "gluster status"), if one is near. */
export function closestCommand(words: string[], family: readonly CommandDefinition[]): CommandDefinition | undefined {
  let best: { c: CommandDefinition; d: number } | undefined;
  for (const c of family) {
    // As many words as the name has, so "gluster volume craete x" is compared with "gluster volume create".
    const d = distance(words.slice(0, c.name.split(' ').length).join(' '), c.name);
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.c.name.length / 4)) ? best.c : undefined;
}
