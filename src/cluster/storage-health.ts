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
import { judgeMountSource, poolHostNames } from './mount-source.js';
import { notConnectedMount } from './dead-mount.js';
import { isBusy } from './gluster-errors.js';
import { ClusterError, HostKeyError, SshTimeoutError, UnreachableError } from '../errors.js';
import type { Verdict } from '../report.js';
import { checksVerdict, fail, warn, type Check, type CheckState } from './checks.js';


export interface NodeHealth {
  node: string;
  fqdn: string;
  version: Answer<GlusterVersion>;
  mount: Answer<MountStatus>;
}

/** One asked node's view of the trusted pool (`gluster pool list`: itself as localhost, and the others). */
export interface PoolView {
  node: string;
  pool: Answer<Peer[]>;
}

export interface StorageHealth {
  volume: string;
  nodes: NodeHealth[];
  /** The views of the nodes asked the volume-wide questions. */
  views: PoolView[];
  /** From the first node that could answer; the error of the last try otherwise. */
  info: Answer<VolumeInfo>;
  status: Answer<VolumeStatus>;
  heal: Answer<HealEntry[]>;
  /** Peers merged over every node's view: a peer is connected if any reachable view says so. */
  pool: { host: string; state: string; connected: boolean | null }[];
  verdict: Verdict;
  /** Every problem seen (checks.ts rows), FAIL first, then UNKNOWN, then WARN; none when all is well. */
  checks: Check[];
  /** The same problems as report lines: the state and the line. */
  reasons: { level: Exclude<CheckState, 'PASS'>; text: string }[];
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
  // Changed (possible impostor, or a reinstalled node) and unknown (never pinned) call for different actions.
  if (err instanceof HostKeyError) return `host key ${err.expected.length ? 'CHANGED' : 'unknown'}: it presents ${err.presented}, known_hosts has ${err.expected.join(', ') || 'none'}`;
  if (err instanceof ClusterError && err.kind === 'glusterd-down') return 'glusterd is not running';
  return err.message;
}

export async function collectStorageHealth(cluster: Cluster, volume = cluster.config.gluster.volume): Promise<StorageHealth> {
  const { gluster, config } = cluster;
  const computes = config.nodes.computes;
  const perNode = Promise.all(
    computes.map(async (n): Promise<NodeHealth> => {
      const [version, mount] = await Promise.all([settle(gluster.version(n.name)), settle(gluster.mount(n.name))]);
      return { node: n.name, fqdn: n.fqdn, version, mount };
    }),
  );
  /** The volume-wide questions and the pool views, asked of a few nodes at once. */
  const ask = async (askers: string[]) => {
    const [views, info, status, heal] = await Promise.all([
      Promise.all(askers.map(async (node) => ({ node, pool: await settle(gluster.pool(node)) }))),
      firstOk(askers.map((a) => gluster.volumeInfo(a, volume))),
      firstOk(askers.map((a) => gluster.volumeStatus(a, volume))),
      firstOk(askers.map((a) => gluster.healSummary(a, volume))),
    ]);
    return { views, info, status, heal };
  };
  // Every node's view of the pool would be n² entries to read (40,000 at 200 nodes); a few views
  // already show each node's glusterd as Connected or not. A partition between two other nodes is not seen.
  const first = computes.slice(0, VOLUME_ASKERS).map((n) => n.name);
  let answers = await ask(first);
  const nodes = await perNode;
  if (!answers.status.ok && answers.views.every((v) => !v.pool.ok)) {
    // None of the first nodes could answer (a rack down?): ask the next ones that answer SSH.
    const next = nodes.filter((n) => n.version.ok && !first.includes(n.node)).slice(0, VOLUME_ASKERS).map((n) => n.node);
    if (next.length) answers = await ask(next);
  }
  const { views, info, status, heal } = answers;
  const pool = mergePool(nodes, views);
  const poolHosts = poolHostNames(computes, views.flatMap((v) => (v.pool.ok ? v.pool.value : [])));
  const checks = judge({ volume, nodes, views, info, status, heal, pool }, config.gluster.minVersion, poolHosts);
  const reasons = checks.map((c) => ({ level: c.verdict as Exclude<CheckState, 'PASS'>, text: c.detail }));
  return { volume, nodes, views, info, status, heal, pool, verdict: checksVerdict(checks), checks, reasons };
}

/**
 * Every compute's state as the asked nodes see it. A peer is matched by name, or
 * by uuid: glusterd lists the node that probed the others by its address, not
 * its name, and each view names its own uuid (`localhost`).
 */
function mergePool(nodes: NodeHealth[], views: PoolView[]): StorageHealth['pool'] {
  const byName = new Map(nodes.flatMap((n) => [[n.fqdn, n.node], [n.node, n.node]] as [string, string][]));
  const uuidOf = new Map<string, string>();
  const entries: { viewer: string; peer: Peer }[] = [];
  for (const v of views) {
    if (!v.pool.ok) continue;
    for (const peer of v.pool.value) {
      const named = peer.self ? v.node : [peer.hostname, ...peer.otherNames].map((h) => byName.get(h)).find(Boolean);
      if (named) uuidOf.set(named, peer.uuid);
      if (!peer.self) entries.push({ viewer: v.node, peer });
    }
  }
  const nodeOfEntry = (peer: Peer) => [peer.hostname, ...peer.otherNames].map((h) => byName.get(h)).find(Boolean) ?? [...uuidOf].find(([, u]) => u === peer.uuid)?.[0];
  const seen = new Map<string, Peer[]>();
  for (const { viewer, peer } of entries) {
    const node = nodeOfEntry(peer);
    if (!node || node === viewer) continue;
    seen.set(node, [...(seen.get(node) ?? []), peer]);
  }
  return nodes.map((n) => {
    const seenAs = seen.get(n.node) ?? [];
    if (seenAs.length === 0) return { host: n.fqdn, state: 'unknown', connected: null };
    const connected = seenAs.some((p) => p.connected);
    const state = seenAs.find((p) => p.connected === connected)?.state ?? (connected ? 'Connected' : 'Disconnected');
    return { host: n.fqdn, state, connected };
  });
}

/** Every problem seen, as checks.ts rows: the subject (a node, the pool, the volume, a brick, heal) and the line that says what was seen. */
function judge(h: Omit<StorageHealth, 'verdict' | 'reasons' | 'checks'>, minVersion: string, poolHosts: string[]): Check[] {
  const checks: Check[] = [];
  const busyOr = (subject: string, err: Error, line: string) => checks.push(isBusy(err) ? warn(subject, line) : fail(subject, line));
  for (const n of h.nodes) {
    const transport = [n.version, n.mount].find((a): a is { ok: false; error: Error } => !a.ok && isTransportError(a.error));
    if (transport) {
      checks.push(fail(n.node, `${n.node} ${why(transport.error)}`));
      continue;
    }
    if (!n.version.ok) checks.push(warn(n.node, `${n.node}: gluster version unknown (${why(n.version.error)})`));
    else if (compareVersions(n.version.value, minVersion) < 0) {
      checks.push(fail(n.node, `${n.node} runs gluster ${n.version.value.text}, older than ${minVersion}: it read-locks files while healing them, which freezes instances`));
    }
    const m = n.mount;
    if (!m.ok) checks.push(warn(n.node, `${n.node}: cannot read the instances mount (${why(m.error)})`));
    else if (!m.value.mounted) checks.push(fail(n.node, `${n.node}: ${m.value.target} is not mounted`));
    else if (m.value.notConnected) {
      const dead = notConnectedMount(n.node, m.value, h.volume, h.status);
      checks.push(fail(n.node, `${n.node}: ${m.value.target}: ${dead.detail}. ${dead.hint}`));
    } else if (m.value.fstype !== 'fuse.glusterfs') checks.push(fail(n.node, `${n.node}: ${m.value.target} is ${m.value.fstype}, not fuse.glusterfs`));
    else {
      const source = judgeMountSource(m.value.source, { volume: h.volume, poolHosts });
      if (!source.ok) checks.push((source.level === 'FAIL' ? fail : warn)(n.node, `${n.node}: ${m.value.target} is ${source.reason}`));
    }
    if (m.ok && m.value.exists && !m.value.notConnected && (m.value.owner !== 'nova' || m.value.group !== 'nova')) {
      checks.push(warn(n.node, `${n.node}: ${m.value.target} is owned ${m.value.owner}:${m.value.group}, not nova:nova`));
    }
  }
  for (const v of h.views) if (!v.pool.ok && !isTransportError(v.pool.error)) busyOr('pool', v.pool.error, `${v.node}: ${why(v.pool.error)}`);
  for (const p of h.pool) if (p.connected === false) checks.push(fail('pool', `${p.host} disconnected (${p.state})`));
  if (!h.status.ok) busyOr(`volume ${h.volume}`, h.status.error, `volume ${h.volume}: ${why(h.status.error)}`);
  else for (const b of h.status.value.bricks) if (!b.online) checks.push(fail(`brick ${b.name}`, `brick ${b.name} offline`));
  if (h.info.ok && h.status.ok) {
    const listed = new Set(h.status.value.bricks.map((b) => b.name));
    // A brick whose node's glusterd is down is missing from `volume status` altogether.
    for (const b of h.info.value.bricks) if (!listed.has(b.name)) checks.push(fail(`brick ${b.name}`, `brick ${b.name} missing from volume status`));
  }
  if (h.heal.ok) {
    for (const e of h.heal.value) {
      if (e.splitBrain) checks.push(fail('heal', `${e.splitBrain} entries in split-brain on ${e.host}`));
      if (e.pending) checks.push(warn('heal', `${e.pending} entries pending heal on ${e.host}`));
    }
  } else if (h.status.ok) checks.push(warn('heal', `heal state unknown: ${why(h.heal.error)}`));
  // The same line seen from several nodes is one problem; the worst first.
  const unique = checks.filter((c, i) => checks.findIndex((d) => d.verdict === c.verdict && d.detail === c.detail) === i);
  return STATE_ORDER.flatMap((state) => unique.filter((c) => c.verdict === state));
}

const STATE_ORDER = ['FAIL', 'UNKNOWN', 'WARN'] as const;

/** Brick rows for a table, with the node name ferry knows. */
export function brickRows(bricks: Brick[], nodeOf: (host: string) => string): string[][] {
  return bricks.map((b) => [b.name, nodeOf(b.host), b.online ? 'Y' : 'N', b.pid === null ? '-' : String(b.pid), b.port === null ? '-' : String(b.port)]);
}
