import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { HostArg } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'nova list',
  usage: '/nova list [--host HOST]',
  summary: 'Instances of every tenant, or those on one compute host',
  examples: ['/nova list', '/nova list --host compute01'],
  flags: { host: { type: 'string' } },
  args: z.object({ host: HostArg.optional() }),
  role: 'viewer',
  run: async ({ args, cluster }) => {
    const servers = await cluster.nova.list({ host: args.host, allTenants: true });
    const notActive = servers.filter((s) => s.status !== 'ACTIVE');
    return report({
      title: args.host ? `Instances on ${args.host}` : 'Instances',
      verdict: 'INFO',
      reasons: [`${servers.length} instances${notActive.length ? `, ${notActive.length} not ACTIVE` : ''}`],
      tables: [
        {
          title: 'Instances',
          columns: ['Name', 'ID', 'Status', 'Task', 'Power', 'Networks'],
          rows: servers.map((s) => [
            s.name,
            s.id,
            s.status,
            s.taskState ?? '-',
            s.powerState,
            Object.entries(s.networks).map(([n, ips]) => `${n}=${ips.join(',')}`).join('; '),
          ]),
        },
      ],
    });
  },
});
