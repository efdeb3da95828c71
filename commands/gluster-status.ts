import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { VolumeArg } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'gluster status',
  usage: '/gluster status [VOLUME]',
  summary: 'Health of the shared instance storage: peers, bricks, heal, every mount',
  examples: ['/gluster status', '/gluster status vm-instances'],
  positionals: ['volume'],
  args: z.object({ volume: VolumeArg.optional() }),
  role: 'viewer',
  run: async ({ args, cluster, jobs, user, log }) => {
    const { brickRows, collectStorageHealth, why } = await import('../src/cluster/storage-health.js');
    const h = await collectStorageHealth(cluster, args.volume);
    const nodeOf = (host: string) => cluster.config.nodes.computes.find((n) => n.fqdn === host || n.name === host)?.name ?? host;
    const text = <T>(a: { ok: true; value: T } | { ok: false; error: Error }, f: (v: T) => string) => (a.ok ? f(a.value) : `? (${why(a.error)})`);
    const r = report({
      title: `Storage: volume ${h.volume}`,
      verdict: h.verdict,
      reasons: h.reasons.length ? h.reasons.map((r) => `${r.level}: ${r.text}`) : [`${h.nodes.length} nodes, every brick online, nothing pending heal`],
      tables: [
        {
          title: 'Bricks',
          columns: ['Brick', 'Node', 'Online', 'PID', 'Port'],
          rows: h.status.ok ? brickRows(h.status.value.bricks, nodeOf) : [[`volume status unavailable: ${why(h.status.error)}`, '', '', '', '']],
        },
        {
          title: 'Peers',
          columns: ['Host', 'State', 'Connected'],
          rows: h.pool.map((p) => [p.host, p.state, p.connected === null ? '?' : p.connected ? 'yes' : 'NO']),
        },
        {
          title: 'Heal',
          columns: ['Brick', 'Pending', 'Split-brain', 'Status'],
          rows: h.heal.ok
            ? h.heal.value.map((e) => [`${e.host}:${e.path}`, String(e.pending ?? '?'), String(e.splitBrain ?? '?'), e.status])
            : [[`heal info unavailable: ${why(h.heal.error)}`, '', '', '']],
        },
        {
          title: 'Nodes',
          columns: ['Node', 'Reachable', 'Mounted', 'FS type', 'Source', 'Owner', 'Gluster'],
          // A node ferry cannot reach says so once, in Reachable; the rest of its row is empty.
          rows: h.nodes.map((n) => {
            if (!n.version.ok && !n.mount.ok) return [n.node, `NO (${why(n.version.error)})`, '', '', '', '', ''];
            return [
              n.node,
              'yes',
              text(n.mount, (m) => (m.notConnected ? 'DEAD (not connected)' : m.mounted ? 'yes' : 'NO')),
              text(n.mount, (m) => m.fstype ?? '-'),
              text(n.mount, (m) => m.source ?? '-'),
              text(n.mount, (m) => (m.owner ? `${m.owner}:${m.group}` : '-')),
              text(n.version, (v) => v.text),
            ];
          }),
        },
      ],
    });
    // For the App Home: the last verdict per volume, who asked and when.
    const seen = { volume: h.volume, verdict: r.verdict, reason: r.reasons[0] ?? '', at: new Date().toISOString(), by: user.id };
    await jobs?.recordStorageVerdict(seen).catch((err: Error) => log.warn({ err }, 'storage verdict not remembered'));
    return r;
  },
});
