import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import type { CommandDefinition } from '../src/command.js';
import type { Config } from '../src/config.js';
import type { Report } from '../src/report.js';
import { helpReport as reportOf } from '../src/help.js';

/**
 * The help report of every command in the catalog; ferry.yml's policy decides the Approval column (`ferry run` passes the defaults when there is no ferry.yml).
 * The catalog comes from the dispatcher: it holds this command, so importing it here would be a cycle.
 */
export function helpReport(config: Pick<Config, 'policy'>, commands: readonly CommandDefinition[]): Report {
  return reportOf('ferry commands', commands, config, [
    'Arguments may be quoted. Add --dry-run to /migrate and /evacuate to see the plan without running it.',
    'Add help to a command for its own usage and examples: /gluster help, /migrate help.',
  ]);
}

export default defineCommand({
  name: 'ferry help',
  usage: '/ferry help',
  summary: 'List every command, its usage and the role it needs',
  examples: ['/ferry help'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ config, commands }) => helpReport(config, commands),
});
