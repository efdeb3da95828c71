import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { HostArg } from '../src/arg-schemas.js';
import { findCompute } from '../src/config.js';

export default defineCommand({
  name: 'nova service-enable',
  usage: '/nova service-enable <host>',
  summary: "Enable a compute host's nova-compute again (after an evacuation or maintenance)",
  examples: ['/nova service-enable compute01'],
  positionals: ['host'],
  args: z.object({ host: HostArg }),
  role: 'operator',
  run: async ({ args, cluster, jobs }): Promise<Report> => {
    const node = findCompute(cluster.config, args.host);
    if (!node) {
      const computes = cluster.config.nodes.computes.map((n) => n.name).join(', ');
      return report({ title: `Not enabling ${args.host}`, verdict: 'FAIL', reasons: [`${args.host} is not a compute node in ferry.yml (${computes})`] });
    }
    // Enabling a host mid-evacuation would let the scheduler place new instances on it.
    const running = jobs ? await jobs.hostEvacuation(node.name) : null;
    if (running) {
      const id = running.replace(/^evac-/, '');
      return report({ title: `Not enabling ${node.name}`, verdict: 'FAIL', reasons: [`${node.name} is being evacuated (${id})`], notes: [`Wait for it to end, or /evacuate cancel ${id}`] });
    }
    const before = (await cluster.nova.services({ host: node.name, binary: 'nova-compute' })).find((s) => s.host === node.name);
    const after = await cluster.nova.serviceEnable(node.name, before);
    return report({
      title: `nova-compute on ${node.name} enabled`,
      verdict: 'OK',
      reasons: [before?.status === 'enabled' ? `it was already enabled` : `was disabled${before?.disabledReason ? ` ("${before.disabledReason}")` : ''}; the scheduler may place instances on ${node.name} again`],
      tables: [{ title: 'Service', columns: ['Binary', 'Host', 'Status', 'State'], rows: [[after.binary, after.host, after.status, before?.state ?? '-']] }],
    });
  },
});
