/**
 * The small questions the volume commands share before they ask for anything
 * (their checks are checks.ts rows, like the migration preflight's): is a host
 * a connected peer, does a brick directory exist, which node answers.
 */
import { sshOf, type Cluster } from './cluster.js';
import type { Peer, VolumeInfo } from './gluster-types.js';
import { NotFoundError } from '../errors.js';
import { why } from './storage-health.js';

/** The peer of `pool` known as `fqdn` or `name`, if any (the node itself excluded). */
export function findPeer(pool: Peer[], fqdn: string, name: string): Peer | undefined {
  return pool.find((p) => !p.self && [p.hostname, ...p.otherNames].some((h) => h === fqdn || h === name));
}

/** Hosts of `hosts` that are not connected peers of `node`, as reasons ('' when all are). */
export function unconnected(pool: Peer[], node: string, hosts: { name: string; fqdn: string }[]): string[] {
  return hosts
    .filter((h) => h.name !== node)
    .flatMap((h) => {
      const peer = findPeer(pool, h.fqdn, h.name);
      if (!peer) return [`${h.fqdn} is not in the pool of ${node} (/gluster probe ${h.name})`];
      return peer.connected ? [] : [`${h.fqdn} is disconnected (is glusterd running there?)`];
    });
}

/** Whether `path` is a directory on `node`; an error text when the node could not say. */
export async function dirExists(cluster: Cluster, node: string, path: string): Promise<boolean | string> {
  try {
    const r = await sshOf(cluster).exec(node, ['test', '-d', path]);
    return r.exitCode === 0 ? true : r.exitCode === 1 ? false : `test -d exited ${r.exitCode}`;
  } catch (err) {
    return why(err as Error);
  }
}

/**
 * `volume info VOL` from the first compute node that answers, with that node
 * (the one the operation then runs on). NotFoundError is final: every node would say so.
 */
export async function volumeOnAnyNode(cluster: Cluster, volume: string): Promise<{ node: string; info: VolumeInfo }> {
  let last: Error = new Error('no compute node in ferry.yml');
  for (const n of cluster.config.nodes.computes) {
    try {
      return { node: n.name, info: await cluster.gluster.volumeInfo(n.name, volume) };
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      last = err as Error;
    }
  }
  throw last;
}
