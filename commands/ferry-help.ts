import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import type { Config } from '../src/config.js';
import { report, type Report } from '../src/report.js';
import { approvalUnavailable, needsApproval } from '../src/policy.js';
import { commands } from './index.js';

/** The help report; ferry.yml's policy decides the Approval column (`ferry run` passes the defaults when there is no ferry.yml). */
export function helpReport(config: Pick<Config, 'policy'>): Report {
  return report({
    title: 'ferry commands',
    tables: [
      {
        title: 'Commands',
        columns: ['Usage', 'What it does', 'Role', 'Approval'],
        rows: commands.map((c) => [c.usage, c.summary, c.role, approvalUnavailable(config, c) ? 'refused (no approval flow)' : needsApproval(config, c) ? 'yes' : '']),
      },
    ],
    notes: ['Arguments may be quoted. Add --dry-run to /migrate and /evacuate to see the plan without running it.'],
  });
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
