/**
 * `gluster volume create`: the checks before a request is shown (brick hosts
 * known and connected, brick directories present, the name free, one brick per
 * node in each replica set) and the run once approved, which reports gluster's
 * own answer.
 */
import type { Cluster } from './cluster.js';
import { findCompute } from '../config.js';
import { NotFoundError } from '../errors.js';
import { report, type Report } from '../report.js';
import { brickName, glusterArgv, type BrickSpec } from './gluster-admin.js';
import { choosePoolNode } from './gluster-pool.js';
import { why } from './storage-health.js';
import { dirExists, unconnected } from './volume-checks.js';
import { fail, pass, type Check } from './checks.js';

/** An approved create: exactly what the approver saw. */
export interface VolumeCreatePayload {
  volume: string;
  replica: number;
  bricks: BrickSpec[];
  /** Where `gluster volume create` runs: a node already in the pool of the others. */
  node: string;
  force: boolean;
}

export interface VolumeCreateCheck {
  checks: Check[];
  /** null when a check failed. */
  payload: VolumeCreatePayload | null;
}

/** Checks a create of `volume` with `bricks` (`host:/path`, host a node name or fqdn). Read-only. */
export async function checkVolumeCreate(cluster: Cluster, req: { volume: string; replica: number; bricks: { host: string; path: string }[]; force: boolean }): Promise<VolumeCreateCheck> {
  const { config } = cluster;
  const checks: Check[] = [];
  const unknown = req.bricks.filter((b) => !findCompute(config, b.host)).map((b) => b.host);
  if (unknown.length) {
    checks.push(fail('brick hosts in ferry.yml', `${[...new Set(unknown)].join(', ')} not among the compute nodes (${config.nodes.computes.map((n) => n.name).join(', ')})`));
    return { checks, payload: null };
  }
  // Bricks name the host as gluster knows it (its fqdn, the name the peers were probed by).
  const bricks: BrickSpec[] = req.bricks.map((b) => {
    const n = findCompute(config, b.host)!;
    return { node: n.name, fqdn: n.fqdn, path: b.path };
  });
  checks.push(pass('brick hosts in ferry.yml', bricks.map((b) => b.node).join(', ')));

  const sets = Array.from({ length: bricks.length / req.replica }, (_, i) => bricks.slice(i * req.replica, (i + 1) * req.replica));
  const doubled = sets.filter((s) => new Set(s.map((b) => b.node)).size < s.length);
  checks.push(doubled.length ? fail('one brick per node in each replica set', `two copies on one node in ${doubled.map((s) => s.map(brickName).join(' ')).join('; ')}`) : pass('one brick per node in each replica set', `${sets.length} set(s) of ${req.replica}`));

  const hosts = [...new Map(bricks.map((b) => [b.node, { name: b.node, fqdn: b.fqdn }])).values()];
  const chosen = await choosePoolNode(cluster, hosts);
  if (!chosen.pool) {
    checks.push(fail('peers connected', chosen.errors.map((e) => `${e.node}: ${why(e.error)}`).join('; ')));
    return { checks, payload: null };
  }
  const missing = unconnected(chosen.pool, chosen.node, hosts);
  checks.push(missing.length ? fail('peers connected', missing.join('; ')) : pass('peers connected', `${hosts.length} nodes in the pool of ${chosen.node}, connected`));

  const dirs = await Promise.all(bricks.map(async (b) => ({ b, ok: await dirExists(cluster, b.node, b.path) })));
  const absent = dirs.filter((d) => d.ok !== true).map((d) => (d.ok === false ? `${brickName(d.b)} missing (mkdir -p ${d.b.path} on ${d.b.node})` : `${d.b.node}: ${d.ok}`));
  checks.push(absent.length ? fail('brick directories exist', absent.join('; ')) : pass('brick directories exist', `${bricks.length} present`));

  checks.push(await nameFree(cluster, chosen.node, req.volume));
  const ok = checks.every((c) => c.verdict !== 'FAIL');
  return { checks, payload: ok ? { volume: req.volume, replica: req.replica, bricks, node: chosen.node, force: req.force } : null };
}

async function nameFree(cluster: Cluster, node: string, volume: string): Promise<Check> {
  try {
    const info = await cluster.gluster.volumeInfo(node, volume);
    return fail('name free', `volume ${volume} already exists (${info.type}, ${info.status}, bricks ${info.bricks.map((b) => b.name).join(' ')})`);
  } catch (err) {
    if (err instanceof NotFoundError) return pass('name free', `no volume ${volume}`);
    return fail('name free', `${node}: ${why(err as Error)}`);
  }
}

/** The command an approved create runs, for showing. */
export const createCommand = (p: VolumeCreatePayload) => `${p.node}: ${glusterArgv.create(p.volume, p.replica, p.bricks, p.force).join(' ')}`;

/** Runs an approved create and reports gluster's answer as it gave it. */
export async function runVolumeCreate(cluster: Cluster, p: VolumeCreatePayload): Promise<Report> {
  const answer = await cluster.admin.createVolume(p.node, p.volume, p.replica, p.bricks, p.force);
  const cli = `gluster (on ${p.node}): ${answer.text}`;
  if (answer.ok) return report({ title: `Volume ${p.volume} created`, verdict: 'OK', reasons: [cli], notes: [`Start it: /gluster volume start ${p.volume}`] });
  const notes = answer.kind === 'root-partition' ? ['The bricks are on the root partition. If that is intended (a lab, a test), ask again with --force.'] : ['Nothing was created.'];
  return report({ title: `Volume ${p.volume} not created`, verdict: 'FAIL', reasons: [cli], notes });
}
