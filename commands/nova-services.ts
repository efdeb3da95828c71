import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';

export default defineCommand({
  name: 'nova services',
  usage: '/nova services',
  summary: 'nova services: enabled, up, and why disabled',
  examples: ['/nova services'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ cluster }) => {
    const services = await cluster.nova.services();
    const down = services.filter((s) => s.state === 'down');
    const disabled = services.filter((s) => s.status === 'disabled');
    return report({
      title: 'nova services',
      verdict: down.length ? 'FAIL' : disabled.length ? 'WARN' : 'OK',
      reasons: [
        ...down.map((s) => `${s.binary} on ${s.host} is down`),
        ...disabled.map((s) => `${s.binary} on ${s.host} is disabled${s.disabledReason ? `: ${s.disabledReason}` : ''}`),
      ].concat(down.length + disabled.length ? [] : [`${services.length} services, all enabled and up`]),
      tables: [
        {
          title: 'Services',
          columns: ['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated', 'Disabled reason'],
          rows: services.map((s) => [s.binary, s.host, s.zone ?? '-', s.status, s.state ?? '-', s.updatedAt ?? '-', s.disabledReason ?? '']),
        },
      ],
    });
  },
});
