import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import type { Config } from '../src/config.js';
import type { Report } from '../src/report.js';
import { helpReport as reportOf } from '../src/help.js';

/**
 * The help report of every command; ferry.yml's policy decides the Approval column (`ferry run` passes the defaults when there is no ferry.yml).
 * The catalog is imported here, not at the top: it holds this command, and a static cycle would let a bundler order the two wrongly.
 */
export async function helpReport(config: Pick<Config, 'policy'>): Promise<Report> {
  const { commands } = await import('./index.js');
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
  run: async ({ config }) => helpReport(config),
});
