import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { HostArg } from '../src/arg-schemas.js';
import type { Cluster } from '../src/cluster/cluster.js';
import { findCompute } from '../src/config.js';
import type { Peer } from '../src/cluster/gluster-types.js';

/** The pool as `from` sees it, `localhost` named. */
function poolTable(pool: Peer[], from: { name: string; fqdn: string }) {
  return {
    title: `Pool (as ${from.name} sees it)`,
    columns: ['Host', 'UUID', 'State'],
    rows: pool.map((p) => [p.self ? `${from.fqdn} (${from.name})` : p.hostname, p.uuid, p.connected ? 'Connected' : 'Disconnected']),
  };
}

/** Why a probe went unanswered, as far as ferry can tell over SSH. */
async function whyUnanswered(cluster: Cluster, node: string): Promise<string> {
  const { why } = await import('../src/cluster/storage-health.js');
  try {
    const state = await cluster.admin.glusterdState(node);
    return state === 'active' ? `glusterd runs on ${node}: is port 24007 reachable from the pool?` : `glusterd is ${state} on ${node}: start it (systemctl start glusterd), or use /gluster bootstrap`;
  } catch (err) {
    return `${node} does not answer SSH either (${why(err as Error)})`;
  }
}

export default defineCommand({
  name: 'gluster probe',
  usage: '/gluster probe HOST',
  summary: 'Add a compute node to the trusted pool (gluster peer probe from a node already in it)',
  examples: ['/gluster probe compute03', '/gluster probe compute03.stack'],
  positionals: ['host'],
  args: z.object({ host: HostArg }),
  role: 'operator',
  run: async ({ args, cluster, config }): Promise<Report> => {
    const target = findCompute(config, args.host);
    if (!target) {
      const known = config.nodes.computes.map((n) => n.name).join(', ');
      return report({ title: `Not probing ${args.host}`, verdict: 'FAIL', reasons: [`${args.host} is not a compute node in ferry.yml (known: ${known})`], notes: ['ferry probes only nodes it knows: add it to nodes.computes first. Nothing was run.'] });
    }
    const others = config.nodes.computes.filter((n) => n.name !== target.name);
    if (others.length === 0) return report({ title: `Not probing ${target.fqdn}`, verdict: 'FAIL', reasons: ['there is no other compute node to probe it from'] });
    const [{ choosePoolNode }, { why }] = await Promise.all([import('../src/cluster/gluster-pool.js'), import('../src/cluster/storage-health.js')]);
    const chosen = await choosePoolNode(cluster, others, config.nodes.computes);
    if (!chosen.pool) {
      return report({ title: `Not probing ${target.fqdn}`, verdict: 'FAIL', reasons: chosen.errors.map((e) => `${e.node}: ${why(e.error)}`), notes: ['No compute node could run the probe. Nothing was run.'] });
    }
    const from = others.find((n) => n.name === chosen.node)!;
    const answer = await cluster.admin.probe(from.name, target.fqdn);
    const cli = `gluster (on ${from.name}): ${answer.text}`;
    const pool = await cluster.gluster.pool(from.name).catch(() => null);
    const tables = pool ? [poolTable(pool, from)] : [];
    if (!answer.ok) {
      const hint = answer.kind === 'peer-unreachable' ? await whyUnanswered(cluster, target.name) : 'gluster refused; see its answer';
      return report({ title: `${target.fqdn} did not join the pool`, verdict: 'FAIL', reasons: [cli, hint], tables });
    }
    if (/already in peer list/.test(answer.text)) {
      return report({ title: `${target.fqdn} is already in the pool`, verdict: 'INFO', reasons: [cli, 'nothing changed'], tables });
    }
    return report({ title: `${target.fqdn} joined the pool`, verdict: 'OK', reasons: [cli], tables });
  },
});
