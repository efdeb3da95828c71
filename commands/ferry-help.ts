import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { approvalUnavailable, needsApproval } from '../src/policy.js';
import { commands } from './index.js';

export default defineCommand({
  name: 'ferry help',
  usage: '/ferry help',
  summary: 'List every command, its usage and the role it needs',
  examples: ['/ferry help'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ config }) =>
    report({
      title: 'ferry commands',
      tables: [
        {
          title: 'Commands',
          columns: ['Usage', 'What it does', 'Role', 'Approval'],
          rows: commands.map((c) => [c.usage, c.summary, c.role, approvalUnavailable(config, c) ? 'refused (no approval flow)' : needsApproval(config, c) ? 'yes' : '']),
        },
      ],
      notes: ['Arguments may be quoted. Add --dry-run to /migrate and /evacuate to see the plan without running it.'],
    }),
});
