/**
 * `gluster volume stop`: the checks (the volume exists and is started) and the
 * warning an approver must see: every running instance whose disk lives on the
 * volume, i.e. the ACTIVE instances of each compute that mounts it.
 */
import type { Cluster } from './cluster.js';
import { NotFoundError } from '../errors.js';
import { report, type Report, type Table } from '../report.js';
import { glusterArgv } from './gluster-admin.js';
import { why } from './storage-health.js';
import { volumeOnAnyNode } from './volume-checks.js';
import { fail, pass, type Check } from './checks.js';

/** An instance whose disk would go away. */
export interface AffectedInstance {
  id: string;
  name: string;
  host: string;
  status: string;
}

/** An approved stop: exactly what the approver saw. */
export interface VolumeStopPayload {
  volume: string;
  node: string;
  instances: AffectedInstance[];
}

export interface VolumeStopCheck {
  checks: Check[];
  /** Running instances on computes that mount the volume (or might: see `unknown`). */
  instances: AffectedInstance[];
  /** Hosts that could not be asked, and why. */
  unknown: string[];
  payload: VolumeStopPayload | null;
}

/** Checks a stop of `volume` and finds what it would take away. Read-only. */
export async function checkVolumeStop(cluster: Cluster, volume: string): Promise<VolumeStopCheck> {
  let found;
  try {
    found = await volumeOnAnyNode(cluster, volume);
  } catch (err) {
    const detail = err instanceof NotFoundError ? err.message : why(err as Error);
    return { checks: [fail('volume exists', detail)], instances: [], unknown: [], payload: null };
  }
  const checks = [pass('volume exists', `${found.info.type}, ${found.info.bricks.length} bricks`)];
  if (!found.info.started) {
    checks.push(fail('volume started', `Status: ${found.info.status}; there is nothing to stop`));
    return { checks, instances: [], unknown: [], payload: null };
  }
  checks.push(pass('volume started', 'Started'));
  const { instances, unknown } = await runningOn(cluster, volume);
  return { checks, instances, unknown, payload: { volume, node: found.node, instances } };
}

/**
 * ACTIVE instances of every compute that mounts `volume`. A compute whose mount
 * cannot be read counts as mounting it: better a name too many in the warning.
 */
async function runningOn(cluster: Cluster, volume: string): Promise<{ instances: AffectedInstance[]; unknown: string[] }> {
  const unknown: string[] = [];
  const per = await Promise.all(
    cluster.config.nodes.computes.map(async (n) => {
      const mounts = await cluster.gluster.mount(n.name).then(
        (m) => m.mounted && m.fstype === 'fuse.glusterfs' && /:\/?([^:/]+)$/.exec(m.source ?? '')?.[1] === volume,
        (err: Error) => {
          unknown.push(`${n.name}: mount unknown (${why(err)})`);
          return true;
        },
      );
      if (!mounts) return [];
      try {
        const servers = await cluster.nova.list({ host: n.name, allTenants: true });
        return servers.filter((s) => s.status === 'ACTIVE').map((s) => ({ id: s.id, name: s.name, host: n.name, status: s.status }));
      } catch (err) {
        unknown.push(`${n.name}: instances unknown (${why(err as Error)})`);
        return [];
      }
    }),
  );
  return { instances: per.flat(), unknown };
}

/** The running instances as a table. */
export function instancesTable(volume: string, instances: AffectedInstance[]): Table {
  return { title: `Running instances with disks on ${volume}`, columns: ['Instance', 'ID', 'Host', 'Status'], rows: instances.map((i) => [i.name, i.id, i.host, i.status]) };
}

/** The warning line naming every running instance. */
export function stopWarning(volume: string, instances: AffectedInstance[]): string {
  if (instances.length === 0) return `no running instance has its disk on ${volume}`;
  return `stopping ${volume} takes the disks away from ${instances.length} running instance(s): ${instances.map((i) => `${i.name} (${i.host})`).join(', ')}`;
}

/** The command an approved stop runs, for showing. */
export const stopCommand = (p: VolumeStopPayload) => `${p.node}: ${glusterArgv.stop(p.volume).join(' ')}`;

/** Runs an approved stop and reports gluster's answer as it gave it. */
export async function runVolumeStop(cluster: Cluster, p: VolumeStopPayload): Promise<Report> {
  // The approver agreed to take the disks away from the instances shown, not from others started since.
  const now = await runningOn(cluster, p.volume);
  const shown = new Set(p.instances.map((i) => i.id));
  const added = now.instances.filter((i) => !shown.has(i.id));
  if (added.length) {
    return report({
      title: `Volume ${p.volume} not stopped`,
      verdict: 'FAIL',
      reasons: [`since the request, ${added.length} more running instance(s) have their disk on ${p.volume}: ${added.map((i) => `${i.name} (${i.host})`).join(', ')}`],
      tables: [instancesTable(p.volume, now.instances)],
      notes: [`Nothing was stopped. Ask again (/gluster volume stop ${p.volume}) so the approver sees them.`],
    });
  }
  const answer = await cluster.admin.stopVolume(p.node, p.volume);
  const cli = `gluster (on ${p.node}): ${answer.text}`;
  if (!answer.ok) return report({ title: `Volume ${p.volume} not stopped`, verdict: 'FAIL', reasons: [cli], notes: ['Nothing was stopped.'] });
  return report({
    title: `Volume ${p.volume} stopped`,
    verdict: p.instances.length ? 'WARN' : 'OK',
    reasons: [cli, ...(p.instances.length ? [`${p.instances.map((i) => i.name).join(', ')} lost their disks; start the volume again: /gluster volume start ${p.volume}`] : [])],
  });
}
