import { z } from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { collectStorageHealth } from '../src/cluster/storage-health.js';

export default defineCommand({
  name: 'gluster peers',
  usage: '/gluster peers',
  summary: 'The trusted pool as every compute node sees it',
  examples: ['/gluster peers'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ cluster }) => {
    const h = await collectStorageHealth(cluster);
    const peerReasons = h.reasons.filter((r) => /disconnected|glusterd|unreachable|no answer|host key/.test(r.text));
    return report({
      title: 'Gluster peers',
      verdict: peerReasons.length ? 'FAIL' : 'OK',
      reasons: peerReasons.length ? peerReasons.map((r) => r.text) : [`${h.pool.length} peers, all connected`],
      tables: [
        {
          title: 'Peers',
          columns: ['Host', 'State', 'Connected'],
          rows: h.pool.map((p) => [p.host, p.state, p.connected === null ? '?' : p.connected ? 'yes' : 'NO']),
        },
      ],
    });
  },
});
