import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';

export default defineCommand({
  name: 'gluster peers',
  usage: '/gluster peers',
  summary: 'The trusted pool as the compute nodes see it',
  examples: ['/gluster peers'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ cluster }) => {
    const { collectStorageHealth } = await import('../src/cluster/storage-health.js');
    const { pool } = await collectStorageHealth(cluster);
    const down = pool.filter((p) => p.connected === false);
    const unknown = pool.filter((p) => p.connected === null);
    return report({
      title: 'Gluster peers',
      verdict: down.length ? 'FAIL' : unknown.length ? 'WARN' : 'OK',
      reasons: [
        ...down.map((p) => `${p.host} disconnected (${p.state})`),
        ...unknown.map((p) => `${p.host}: no node could say (their glusterd did not answer)`),
      ].concat(down.length + unknown.length ? [] : [`${pool.length} peers, all connected`]),
      tables: [
        {
          title: 'Peers',
          columns: ['Host', 'State', 'Connected'],
          rows: pool.map((p) => [p.host, p.state, p.connected === null ? '?' : p.connected ? 'yes' : 'NO']),
        },
      ],
    });
  },
});
