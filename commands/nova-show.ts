import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { InstanceRef } from '../src/arg-schemas.js';
import type { Server } from '../src/cluster/nova-types.js';

/** What on-call looks at first, in this order; the rest of nova's fields follow. */
const FIRST: [label: string, value: (s: Server) => string | null][] = [
  ['status', (s) => s.status],
  ['task_state', (s) => s.taskState ?? 'None'],
  ['host', (s) => s.host],
  ['hypervisor hostname', (s) => s.hypervisorHostname],
  ['power state', (s) => s.powerState],
  ['flavor', (s) => s.flavor],
  ['image', (s) => s.image],
  ['networks', (s) => Object.entries(s.networks).map(([net, ips]) => `${net}: ${ips.join(', ')}`).join('; ') || null],
  ['updated', (s) => s.updated],
];

export default defineCommand({
  name: 'nova show',
  usage: '/nova show <instance>',
  summary: 'Where an instance is and what state nova has it in',
  examples: ['/nova show cirros1', '/nova show 2991ad7d-b33e-4d3c-828b-da07338119f1'],
  positionals: ['instance'],
  args: z.object({ instance: InstanceRef }),
  role: 'viewer',
  run: async ({ args, cluster }) => {
    const s = await cluster.nova.show(args.instance);
    const busy = s.taskState !== null || s.status !== 'ACTIVE';
    return report({
      title: `Instance ${s.name} (${s.id})`,
      verdict: s.status === 'ERROR' ? 'FAIL' : busy ? 'WARN' : 'OK',
      reasons: [
        `${s.status}${s.taskState ? ` / ${s.taskState}` : ''} on ${s.host ?? 'an unknown host'}, power ${s.powerState}${s.fault ? `: ${s.fault.message}${s.fault.code === null ? '' : ` (fault ${s.fault.code}${s.fault.created ? `, ${s.fault.created}` : ''})`}` : ''}`,
      ],
      tables: [
        { title: 'First look', columns: ['Field', 'Value'], rows: FIRST.map(([label, get]) => [label, get(s) ?? '-']) },
        { title: 'All fields (nova show)', columns: ['Property', 'Value'], rows: s.fields.map(([p, v]) => [p, v]) },
      ],
    });
  },
});
