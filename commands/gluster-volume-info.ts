import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { VolumeArg } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'gluster volume info',
  usage: '/gluster volume info [VOLUME]',
  summary: 'How a volume is built: type, replica count, bricks, options',
  examples: ['/gluster volume info', '/gluster volume info vm-instances'],
  positionals: ['volume'],
  args: z.object({ volume: VolumeArg.optional() }),
  role: 'viewer',
  run: async ({ args, cluster }) => {
    const volume = args.volume ?? cluster.config.gluster.volume;
    const { askComputes } = await import('../src/cluster/ask-computes.js');
    const info = await askComputes(cluster, (node) => cluster.gluster.volumeInfo(node, volume));
    return report({
      title: `Volume ${info.name}`,
      verdict: info.started ? 'OK' : 'WARN',
      reasons: [`${info.type}, ${info.status}, ${info.brickCount} bricks${info.replicaCount ? `, replica ${info.replicaCount}` : ''}, transport ${info.transport}`],
      tables: [
        { title: 'Bricks', columns: ['#', 'Brick', 'Arbiter'], rows: info.bricks.map((b, i) => [String(i + 1), b.name, b.arbiter ? 'yes' : '']) },
        { title: 'Options reconfigured', columns: ['Option', 'Value'], rows: Object.entries(info.options) },
      ],
      notes: [`Volume ID ${info.id}`],
    });
  },
});
