/**
 * The health of the shared instance storage, collected from every compute node
 * at once: per node (reachable, gluster version, the instances mount, its view
 * of the pool) and per volume (bricks, heal). Everything starts in parallel, so
 * a hanging node costs one SSH timeout, never one per command.
 */
import type { Cluster } from './cluster.js';
import type { Brick, GlusterVersion, HealEntry, MountStatus, Peer, VolumeInfo, VolumeStatus } from './gluster-types.js';
import { compareVersions } from './gluster-text.js';
import { firstOk, settle, type Answer } from './answer.js';
import { ClusterError, HostKeyError, SshTimeoutError, UnreachableError } from '../errors.js';
import { worst, type Verdict } from '../report.js';


export interface NodeHealth {
  node: string;
  fqdn: string;
  version: Answer<GlusterVersion>;
  mount: Answer<MountStatus>;
  /** This node's view of the other peers (`gluster peer status`); asked of the first few nodes only. */
  peers?: Answer<Peer[]>;
}

export interface StorageHealth {
  volume: string;
  nodes: NodeHealth[];
  /** From the first node that could answer; the error of the last try otherwise. */
  info: Answer<VolumeInfo>;
  status: Answer<VolumeStatus>;
  heal: Answer<HealEntry[]>;
  /** Peers merged over every node's view: a peer is connected if any reachable view says so. */
  pool: { host: string; state: string; connected: boolean | null }[];
  verdict: Verdict;
  /** FAIL reasons first, then WARN. */
  reasons: { level: 'FAIL' | 'WARN'; text: string }[];
}

/** How many nodes are asked the volume-wide questions (volume status, heal: the first good answer wins) and for their view of the pool. */
const VOLUME_ASKERS = 3;


/** Is this error about reaching the node (rather than about gluster on it)? */
export function isTransportError(err: Error): boolean {
  return err instanceof UnreachableError || err instanceof SshTimeoutError || err instanceof HostKeyError;
}

/** A short reason for an answer that did not come. */
export function why(err: Error): string {
  if (err instanceof SshTimeoutError) return `no answer within ${err.timeoutMs} ms`;
  if (err instanceof UnreachableError) return `unreachable (${err.reason})`;
  if (err instanceof HostKeyError) return 'host key refused';
  if (err instanceof ClusterError && err.kind === 'glusterd-down') return 'glusterd is not running';
  return err.message;
}

export async function collectStorageHealth(cluster: Cluster, volume = cluster.config.gluster.volume): Promise<StorageHealth> {
  const { gluster, config } = cluster;
  const computes = config.nodes.computes;
  const askers = new Set(computes.slice(0, VOLUME_ASKERS).map((n) => n.name));
  // Every node's view of the pool would be n² peers to read (40,000 at 200 nodes); a few views
  // already show each node's glusterd as Connected or not. A partition between two other nodes is not seen.
  const perNode = computes.map(async (n): Promise<NodeHealth> => {
    const [version, mount, peers] = await Promise.all([
      settle(gluster.version(n.name)),
      settle(gluster.mount(n.name)),
      askers.has(n.name) ? settle(gluster.peers(n.name)) : undefined,
    ]);
    return { node: n.name, fqdn: n.fqdn, version, mount, ...(peers ? { peers } : {}) };
  });
  const [nodes, info, status, heal] = await Promise.all([
    Promise.all(perNode),
    firstOk([...askers].map((a) => gluster.volumeInfo(a, volume))),
    firstOk([...askers].map((a) => gluster.volumeStatus(a, volume))),
    firstOk([...askers].map((a) => gluster.healSummary(a, volume))),
  ]);
  const pool = mergePool(nodes);
  const reasons = judge({ volume, nodes, info, status, heal, pool }, config.gluster.minVersion);
  const verdict = worst('OK', ...reasons.map((r) => r.level));
  return { volume, nodes, info, status, heal, pool, verdict, reasons };
}

/** Every compute's state as the asked nodes see it (a node is not in its own peer status). */
function mergePool(nodes: NodeHealth[]): StorageHealth['pool'] {
  const seen = new Map<string, { viewer: string; peer: Peer }[]>();
  for (const viewer of nodes) {
    if (!viewer.peers?.ok) continue;
    for (const peer of viewer.peers.value) {
      for (const name of [peer.hostname, ...peer.otherNames]) {
        const list = seen.get(name) ?? [];
        list.push({ viewer: viewer.node, peer });
        seen.set(name, list);
      }
    }
  }
  return nodes.map((n) => {
    const views = [...(seen.get(n.fqdn) ?? []), ...(n.fqdn === n.node ? [] : seen.get(n.node) ?? [])].filter((v) => v.viewer !== n.node).map((v) => v.peer);
    if (views.length === 0) return { host: n.fqdn, state: 'unknown', connected: null };
    const connected = views.some((p) => p.connected);
    const state = views.find((p) => p.connected === connected)?.state ?? 'unknown';
    return { host: n.fqdn, state, connected };
  });
}

function judge(h: Omit<StorageHealth, 'verdict' | 'reasons'>, minVersion: string): StorageHealth['reasons'] {
  const fail: string[] = [];
  const warn: string[] = [];
  for (const n of h.nodes) {
    const transport = [n.version, n.mount, ...(n.peers ? [n.peers] : [])].find((a): a is { ok: false; error: Error } => !a.ok && isTransportError(a.error));
    if (transport) {
      fail.push(`${n.node} ${why(transport.error)}`);
      continue;
    }
    if (!n.version.ok) warn.push(`${n.node}: gluster version unknown (${why(n.version.error)})`);
    else if (compareVersions(n.version.value, minVersion) < 0) {
      fail.push(`${n.node} runs gluster ${n.version.value.text}, older than ${minVersion}: it read-locks files while healing them, which freezes instances`);
    }
    if (!n.mount.ok) warn.push(`${n.node}: cannot read the instances mount (${why(n.mount.error)})`);
    else if (!n.mount.value.mounted) fail.push(`${n.node}: ${n.mount.value.target} is not mounted`);
    else if (n.mount.value.fstype !== 'fuse.glusterfs') fail.push(`${n.node}: ${n.mount.value.target} is ${n.mount.value.fstype}, not fuse.glusterfs`);
    else if (!n.mount.value.source?.endsWith(`:${h.volume}`)) fail.push(`${n.node}: ${n.mount.value.target} is mounted from ${n.mount.value.source}, not volume ${h.volume}`);
    if (n.mount.ok && n.mount.value.exists && (n.mount.value.owner !== 'nova' || n.mount.value.group !== 'nova')) {
      warn.push(`${n.node}: ${n.mount.value.target} is owned ${n.mount.value.owner}:${n.mount.value.group}, not nova:nova`);
    }
    if (n.peers && !n.peers.ok && !isTransportError(n.peers.error)) fail.push(`${n.node}: ${why(n.peers.error)}`);
  }
  for (const p of h.pool) if (p.connected === false) fail.push(`${p.host} disconnected (${p.state})`);
  if (!h.status.ok) fail.push(`volume ${h.volume}: ${why(h.status.error)}`);
  else for (const b of h.status.value.bricks) if (!b.online) fail.push(`brick ${b.name} offline`);
  if (h.info.ok && h.status.ok) {
    const listed = new Set(h.status.value.bricks.map((b) => b.name));
    // A brick whose node's glusterd is down is missing from `volume status` altogether.
    for (const b of h.info.value.bricks) if (!listed.has(b.name)) fail.push(`brick ${b.name} missing from volume status`);
  }
  if (h.heal.ok) {
    for (const e of h.heal.value) {
      if (e.splitBrain) fail.push(`${e.splitBrain} entries in split-brain on ${e.host}`);
      if (e.pending) warn.push(`${e.pending} entries pending heal on ${e.host}`);
    }
  } else if (h.status.ok) warn.push(`heal state unknown: ${why(h.heal.error)}`);
  return [...dedupe(fail).map((text) => ({ level: 'FAIL' as const, text })), ...dedupe(warn).map((text) => ({ level: 'WARN' as const, text }))];
}

const dedupe = (xs: string[]) => [...new Set(xs)];

/** Brick rows for a table, with the node name ferry knows. */
export function brickRows(bricks: Brick[], nodeOf: (host: string) => string): string[][] {
  return bricks.map((b) => [b.name, nodeOf(b.host), b.online ? 'Y' : 'N', b.pid === null ? '-' : String(b.pid), b.port === null ? '-' : String(b.port)]);
}
