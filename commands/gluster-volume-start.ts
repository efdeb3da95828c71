import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { VolumeArg } from '../src/arg-schemas.js';
import { NotFoundError } from '../src/errors.js';
import type { Cluster } from '../src/cluster/cluster.js';
import { glusterArgv } from '../src/cluster/gluster-admin.js';
import { findCompute } from '../src/config.js';
import { checksTable, fail, failures, pass, type Check as VolumeCheck } from '../src/cluster/checks.js';

/** The volume's bricks as `volume status` shows them on `node`, for after the start. */
async function bricksTable(cluster: Cluster, node: string, volume: string) {
  const { brickRows, why } = await import('../src/cluster/storage-health.js');
  const nodeOf = (host: string) => findCompute(cluster.config, host)?.name ?? host;
  const status = await cluster.gluster.volumeStatus(node, volume).catch((err: Error) => err);
  const rows = status instanceof Error ? [[`volume status unavailable: ${why(status)}`, '', '', '', '']] : brickRows(status.bricks, nodeOf);
  return { title: 'Bricks', columns: ['Brick', 'Node', 'Online', 'PID', 'Port'], rows };
}

export default defineCommand({
  name: 'gluster volume start',
  usage: '/gluster volume start VOLUME',
  summary: 'Start a created or stopped volume (checks it exists, is not started, and its brick hosts are connected)',
  examples: ['/gluster volume start vm-instances'],
  positionals: ['volume'],
  args: z.object({ volume: VolumeArg }),
  role: 'operator',
  run: async ({ args, cluster }): Promise<Report> => {
    const [{ unconnected, volumeOnAnyNode }, { why }] = await Promise.all([import('../src/cluster/volume-checks.js'), import('../src/cluster/storage-health.js')]);
    const title = `volume ${args.volume}`;
    let found;
    try {
      found = await volumeOnAnyNode(cluster, args.volume);
    } catch (err) {
      const detail = err instanceof NotFoundError ? err.message : why(err as Error);
      return report({ title: `Not starting ${title}`, verdict: 'FAIL', reasons: [detail], notes: ['Nothing was run.'] });
    }
    const { node, info } = found;
    if (info.started) {
      return report({ title: `${title} is already started`, verdict: 'INFO', reasons: ['nothing was run'], tables: [await bricksTable(cluster, node, args.volume)] });
    }
    const hosts = info.bricks.map((b) => ({ name: findCompute(cluster.config, b.host)?.name ?? b.host, fqdn: b.host }));
    const checks: VolumeCheck[] = [pass('volume exists', `${info.type}, Status: ${info.status}`)];
    const pool = await cluster.gluster.pool(node).catch((err: Error) => err);
    const missing = pool instanceof Error ? [`${node}: ${why(pool)}`] : unconnected(pool, node, hosts);
    checks.push(missing.length ? fail('brick hosts connected', missing.join('; ')) : pass('brick hosts connected', `${hosts.length} bricks' hosts connected to ${node}`));
    if (failures(checks).length) {
      return report({ title: `Not starting ${title}`, verdict: 'FAIL', reasons: failures(checks), tables: [checksTable(checks)], notes: ['Nothing was run.'] });
    }
    const answer = await cluster.admin.startVolume(node, args.volume);
    const cli = `gluster (on ${node}): ${answer.text}`;
    if (!answer.ok) return report({ title: `${title} not started`, verdict: 'FAIL', reasons: [cli], tables: [checksTable(checks)] });
    return report({ title: `${title} started`, verdict: 'OK', reasons: [cli, `ran ${glusterArgv.start(args.volume).join(' ')} on ${node}`], tables: [await bricksTable(cluster, node, args.volume), checksTable(checks)] });
  },
});
