/**
 * `/nova hypervisors`: capacity at a glance. Each compute's hypervisor is read with
 * `hypervisor-show` at 2.52 (the last microversion that takes a name and reports RAM
 * and vCPUs), all computes at once, together with `hypervisor-list` for the state and
 * status of any compute whose figures cannot be read.
 */
import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import type { NodeConfig } from '../src/config.js';
import { report } from '../src/report.js';
import type { Hypervisor } from '../src/cluster/nova-types.js';

const UNKNOWN = 'unknown';

type Lookup = typeof import('../src/cluster/hypervisor-lookup.js');

/** One table row and, where the compute is not fine, why. */
function row(lookup: Lookup, node: NodeConfig, shown: PromiseSettledResult<Hypervisor>, listed: Hypervisor[] | undefined): { cells: string[]; problem?: string } {
  const { freeRoom, hostnamesOf } = lookup;
  const fromList = listed?.find((h) => hostnamesOf([h.hostname], node).length > 0);
  const h = shown.status === 'fulfilled' ? shown.value : undefined;
  const state = h?.state ?? fromList?.state ?? null;
  const status = h?.status ?? fromList?.status ?? null;
  const down = state === 'down';
  // A down nova-compute no longer reports: nova's figures for it are stale, so none are shown.
  const room = h && !down ? freeRoom(h) : { ramMb: null, vcpus: null };
  const vms = h && !down && h.runningVms !== undefined ? String(h.runningVms) : UNKNOWN;
  const cells = [node.name, state ?? UNKNOWN, status ?? UNKNOWN, vms, room.ramMb === null ? UNKNOWN : `${room.ramMb} MB`, room.vcpus === null ? UNKNOWN : String(room.vcpus)];
  if (shown.status === 'rejected') return { cells, problem: `${node.name}: figures not read: ${(shown.reason as Error).message}` };
  if (down) return { cells, problem: `${node.name}: nova-compute is down; its figures are unknown` };
  if (state === null) return { cells, problem: `${node.name}: nova did not say whether it is up` };
  if (status === 'disabled') return { cells, problem: `${node.name}: disabled${h?.serviceDisabledReason ? `: ${h.serviceDisabledReason}` : ''}` };
  return { cells };
}

export default defineCommand({
  name: 'nova hypervisors',
  usage: '/nova hypervisors',
  summary: 'Per compute: state, status, running VMs, free RAM and vCPUs',
  examples: ['/nova hypervisors'],
  args: z.object({}),
  role: 'viewer',
  run: async ({ cluster, config }) => {
    const computes = config.nodes.computes;
    const lookup = await import('../src/cluster/hypervisor-lookup.js');
    const { hypervisorOf } = lookup;
    // nova calls cost seconds each on a real control node: ask them all together.
    const [list, ...shown] = await Promise.allSettled([cluster.nova.hypervisors(), ...computes.map((n) => hypervisorOf(cluster.nova, n))]);
    const listed = list!.status === 'fulfilled' ? (list!.value as Hypervisor[]) : undefined;
    const rows = computes.map((n, i) => row(lookup, n, shown[i] as PromiseSettledResult<Hypervisor>, listed));
    const problems = rows.flatMap((r) => (r.problem ? [r.problem] : []));
    const failed = rows.some((r) => r.cells[1] !== 'up');
    return report({
      title: 'nova hypervisors',
      verdict: failed ? 'FAIL' : problems.length ? 'WARN' : 'OK',
      reasons: problems.length ? problems : [`${computes.length} computes up and enabled`],
      tables: [{ title: 'Hypervisors', columns: ['Compute', 'State', 'Status', 'Running VMs', 'Free RAM', 'Free vCPUs'], rows: rows.map((r) => r.cells) }],
      notes: list!.status === 'rejected' ? [`hypervisor-list failed: ${(list!.reason as Error).message}`] : [],
    });
  },
});
