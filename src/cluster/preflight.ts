/**
 * What must hold before a live migration, one row per check (checks.ts): PASS /
 * WARN / FAIL, what was seen, and what to do about it. All questions are asked at
 * once; a node that does not answer makes its checks FAIL, never hangs them.
 */
import { sshOf, type Cluster } from './cluster.js';
import { findCompute, type NodeConfig } from '../config.js';
import type { Server, Service, Hypervisor, Migration } from './nova-types.js';
import type { MountStatus, GlusterVersion, VolumeStatus, HealEntry, Peer } from './gluster-types.js';
import { compareVersions } from './gluster-text.js';
import { migrationCacheSafe, readNovaConf, type NovaConf } from './nova-conf.js';
import { why } from './storage-health.js';
import { settle, type Answer } from './answer.js';
import { judgeMountSource, poolHostNames } from './mount-source.js';
import { notConnectedMount } from './dead-mount.js';
import { isBusy } from './gluster-errors.js';
import { freeRoom, hypervisorOf } from './hypervisor-lookup.js';
import { AmbiguousError, NotFoundError } from '../errors.js';
import { fail, pass, warn, worstState, type Check, type CheckState } from './checks.js';

export interface MigrationPreflight {
  checks: Check[];
  verdict: CheckState;
  server?: Server;
  source?: NodeConfig;
  target?: NodeConfig;
  /**
   * The newest migration id nova had recorded before this request (0: none; undefined: nova did not say).
   * A migration job started from this preflight tells its own record by an id above it, without asking again.
   */
  newestMigrationId?: number;
}


/** What ferry asks one compute node (gluster's view from there), each answer settled. */
interface NodeAnswers {
  mount: Answer<MountStatus>;
  version: Answer<GlusterVersion>;
  peers: Answer<Peer[]>;
  volume: Answer<VolumeStatus>;
  heal: Answer<HealEntry[]>;
}

/**
 * Runs every check for moving `instanceRef` to `targetName`; with `newestMigration`, also
 * reads nova's newest migration id (MigrationPreflight.newestMigrationId). On a real control node
 * each nova call costs seconds, so the nova questions that need only the target
 * (service, capacity) and the target's gluster questions start together with
 * `nova show`; only the source's questions wait for it (they go to a compute node).
 */
export async function preflightMigration(cluster: Cluster, instanceRef: string, targetName: string, opts: { newestMigration?: boolean } = {}): Promise<MigrationPreflight> {
  const { nova } = cluster;
  const target = findCompute(cluster.config, targetName);
  const serverAsked = settle(nova.show(instanceRef));
  const serviceAsked = target ? settle(nova.services({ host: target.name, binary: 'nova-compute' })) : undefined;
  const capacityAsked = target ? capacityOf(cluster, target) : undefined;
  // Asked only for a move about to be issued (the job's mark); a plan or a dry run does not need it.
  const migrationsAsked = opts.newestMigration ? settle(nova.migrations({ limit: RECENT_MIGRATIONS })) : undefined;
  const asked = new Map<string, Promise<NodeAnswers>>();
  const ask = (n: NodeConfig) => {
    let a = asked.get(n.name);
    if (!a) {
      a = askNode(cluster, n);
      asked.set(n.name, a);
    }
    return a;
  };
  if (target) void ask(target);
  const serverAnswer = await serverAsked;
  const server = serverAnswer.ok ? serverAnswer.value : undefined;
  const source = findCompute(cluster.config, server?.host);
  const checks: Check[] = [instanceCheck(serverAnswer, instanceRef)];
  if (!target) {
    checks.push(fail('target host', `${targetName} is not a compute node in ferry.yml`, `Pick one of: ${cluster.config.nodes.computes.map((n) => n.name).join(', ')}`));
  }
  if (server && !source) {
    checks.push(fail('source host', `${server.host ?? 'unknown'} is not a compute node in ferry.yml`, 'Add the node to ferry.yml, or migrate it with nova directly.'));
  }
  if (server && target && source?.name === target.name) {
    checks.push(fail('target host', `${server.name} is already on ${target.name}`, 'Choose another target host.'));
  }
  const nodes = [source, target].filter((n): n is NodeConfig => n !== undefined);
  const unique = nodes.filter((n, i) => nodes.findIndex((m) => m.name === n.name) === i);
  const [service, views, conf, capacity, migrations] = await Promise.all([
    serviceAsked,
    Promise.all(unique.map(async (n) => [n, await ask(n)] as const)),
    source ? settle(readNovaConf(sshOf(cluster), source.name)) : undefined,
    capacityAsked,
    migrationsAsked,
  ]);
  // The volume as the first node that could tell sees it (source first).
  const firstOk = <T>(pick: (a: NodeAnswers) => Answer<T>) => views.map(([, a]) => pick(a)).find((a) => a.ok) ?? views.map(([, a]) => pick(a)).at(-1);
  const volume = firstOk((a) => a.volume);
  const heal = firstOk((a) => a.heal);
  if (target && service) checks.push(serviceCheck(target, service));
  const poolHosts = poolHostNames(cluster.config.nodes.computes, views.flatMap(([, a]) => (a.peers.ok ? a.peers.value : [])));
  for (const [n, a] of views) checks.push(mountCheck(cluster, n, a.mount, poolHosts, volume));
  if (volume) checks.push(volumeCheck(cluster.config.gluster.volume, volume));
  if (unique.length) checks.push(peersCheck(views.map(([n, a]) => [n, a.peers] as const), cluster));
  if (heal) checks.push(healCheck(heal));
  for (const [n, a] of views) checks.push(versionCheck(n, a.version, cluster.config.gluster.minVersion));
  if (source && conf) checks.push(cacheCheck(source, conf));
  if (target && server && capacity) checks.push(capacityCheck(target, server, capacity));
  const verdict = worstState(checks);
  return { checks, verdict, server, source, target, newestMigrationId: server && migrations ? newestMigrationBefore(migrations, server) : undefined };
}

/** How many of nova's newest migration records preflight reads (newest first: one would do; a few more often hold the instance's own). */
const RECENT_MIGRATIONS = 20;

/**
 * The id a migration record made after this preflight must exceed: the instance's newest, when
 * the recent records hold one, else the newest of any instance (nova's ids only grow). Ids are
 * per cell database; ferry assumes one nova cell, as the instance's own record would not need.
 */
function newestMigrationBefore(a: Answer<Migration[]>, server: Server): number | undefined {
  if (!a.ok) return undefined;
  const own = a.value.filter((m) => m.instanceUuid === server.id);
  return (own.length ? own : a.value).reduce((n, m) => Math.max(n, m.id), 0);
}

async function askNode(cluster: Cluster, n: NodeConfig): Promise<NodeAnswers> {
  const { gluster } = cluster;
  const volume = cluster.config.gluster.volume;
  const [mount, version, peers, status, heal] = await Promise.all([
    settle(gluster.mount(n.name)),
    settle(gluster.version(n.name)),
    settle(gluster.peers(n.name)),
    settle(gluster.volumeStatus(n.name, volume)),
    settle(gluster.healSummary(n.name, volume)),
  ]);
  return { mount, version, peers, volume: status, heal };
}

function instanceCheck(a: Answer<Server>, ref: string): Check {
  const name = 'instance';
  if (!a.ok) {
    if (a.error instanceof AmbiguousError) return fail(name, a.error.message, `Use the instance id: ${a.error.ids.join(', ')}`);
    if (a.error instanceof NotFoundError) return fail(name, `no instance ${ref}`, 'Check the name with /nova list.');
    return fail(name, `nova show ${ref} failed: ${why(a.error)}`, 'Check the control node and nova-api.');
  }
  const s = a.value;
  if (s.status !== 'ACTIVE') return fail(name, `${s.name} is ${s.status}${s.taskState ? ` / ${s.taskState}` : ''}`, s.status === 'MIGRATING' ? 'A migration is already running: watch it with /nova show.' : 'Only ACTIVE instances can be live-migrated.');
  if (s.taskState) return fail(name, `${s.name} has task ${s.taskState} in progress`, 'Wait until the task ends (task_state None).');
  if (s.powerState !== 'Running') return fail(name, `${s.name} power state is ${s.powerState}`, 'Start the instance, or cold-migrate it instead.');
  return pass(name, `${s.name} (${s.id}) ACTIVE, Running, on ${s.host}`);
}

function serviceCheck(target: NodeConfig, a: Answer<Service[]>): Check {
  const name = 'target nova-compute';
  if (!a.ok) return fail(name, `cannot list services: ${why(a.error)}`, 'Check the control node and nova-api.');
  const s = a.value.find((x) => x.host === target.name && x.binary === 'nova-compute');
  if (!s) return fail(name, `no nova-compute service on ${target.name}`, 'Is nova-compute installed and registered there?');
  if (s.status !== 'enabled') return fail(name, `nova-compute on ${target.name} is disabled${s.disabledReason ? ` (${s.disabledReason})` : ''}`, `Enable it (/nova service-enable ${target.name}) or pick another target.`);
  if (s.state !== 'up') return fail(name, `nova-compute on ${target.name} is ${s.state ?? 'not reporting'}`, 'Check nova-compute on the target (systemctl status nova-compute).');
  return pass(name, `enabled and up on ${target.name}`);
}

function mountCheck(cluster: Cluster, n: NodeConfig, a: Answer<MountStatus>, poolHosts: string[], status: Answer<VolumeStatus> | undefined): Check {
  const name = `shared storage on ${n.name}`;
  const { mountPoint, volume } = cluster.config.gluster;
  const hint = `Mount it: mount -t glusterfs localhost:${volume} ${mountPoint} && chown nova:nova ${mountPoint}`;
  if (!a.ok) return fail(name, `cannot check ${mountPoint}: ${why(a.error)}`, 'Check that the node answers over SSH.');
  const m = a.value;
  if (!m.mounted) return fail(name, `${mountPoint} is not mounted: instance disks would not be shared`, hint);
  if (m.notConnected) {
    const dead = notConnectedMount(n.name, m, volume, status);
    return fail(name, `${mountPoint}: ${dead.detail}`, dead.hint);
  }
  if (m.fstype !== 'fuse.glusterfs') return fail(name, `${mountPoint} is ${m.fstype}, not fuse.glusterfs`, hint);
  const source = judgeMountSource(m.source, { volume, poolHosts });
  if (!source.ok && source.level === 'FAIL') return fail(name, `${mountPoint} is ${source.reason}`, hint);
  if (m.owner !== 'nova' || m.group !== 'nova') return fail(name, `${mountPoint} is owned ${m.owner}:${m.group}`, `chown nova:nova ${mountPoint}`);
  if (!source.ok) return warn(name, `${mountPoint} is ${source.reason}`, hint);
  return pass(name, `${m.source} on ${mountPoint} (fuse.glusterfs, nova:nova)`);
}

function volumeCheck(volume: string, a: Answer<VolumeStatus>): Check {
  const name = `volume ${volume}`;
  if (!a.ok && isBusy(a.error)) return warn(name, why(a.error), 'Another gluster transaction held the volume lock; ask again in a moment (/gluster status).');
  if (!a.ok) return fail(name, why(a.error), `Start it (gluster volume start ${volume}) or check glusterd.`);
  const offline = a.value.bricks.filter((b) => !b.online);
  if (offline.length) return fail(name, `brick ${offline.map((b) => b.name).join(', ')} offline`, 'Bring the brick back (gluster volume start VOLUME force restarts missing brick processes) and let heal finish.');
  return pass(name, `Started, ${a.value.bricks.length} bricks online`);
}

function peersCheck(views: (readonly [NodeConfig, Answer<Peer[]>])[], cluster: Cluster): Check {
  const name = 'gluster peers';
  const failed = views.filter(([, a]) => !a.ok);
  if (failed.length) return fail(name, failed.map(([n, a]) => `${n.name}: ${a.ok ? '' : why(a.error)}`).join('; '), 'Start glusterd on that node (systemctl start glusterd).');
  const disconnected = new Set(views.flatMap(([, a]) => (a.ok ? a.value.filter((p) => !p.connected).map((p) => p.hostname) : [])));
  if (disconnected.size) return fail(name, `${[...disconnected].join(', ')} disconnected`, 'Check glusterd and the network on those nodes before moving disks around.');
  return pass(name, `all peers connected (${cluster.config.nodes.computes.length} nodes)`);
}

function healCheck(a: Answer<HealEntry[]>): Check {
  const name = 'heal';
  if (!a.ok) return warn(name, `heal state unknown: ${why(a.error)}`, 'Check with: gluster volume heal VOLUME info summary');
  const split = a.value.filter((e) => (e.splitBrain ?? 0) > 0);
  if (split.length) return fail(name, split.map((e) => `${e.splitBrain} in split-brain on ${e.host}`).join('; '), 'Resolve the split-brain first (gluster volume heal VOLUME info split-brain).');
  const pending = a.value.filter((e) => (e.pending ?? 0) > 0);
  if (pending.length) return warn(name, pending.map((e) => `${e.pending} pending on ${e.host}`).join('; '), 'Wait for heal to finish, or migrate knowing the disk may still be syncing.');
  return pass(name, 'nothing pending heal');
}

function versionCheck(n: NodeConfig, a: Answer<GlusterVersion>, min: string): Check {
  const name = `gluster version on ${n.name}`;
  if (!a.ok) return fail(name, why(a.error), 'Check glusterfs on the node.');
  if (compareVersions(a.value.text, min) < 0) {
    return fail(name, `${a.value.text} < ${min}: it read-locks files while healing them, which freezes the instance`, `Upgrade GlusterFS on ${n.name} to ${min} or later.`);
  }
  return pass(name, a.value.text);
}

function cacheCheck(source: NodeConfig, a: Answer<NovaConf>): Check {
  const name = `disk cache on ${source.name}`;
  if (!a.ok) return fail(name, `cannot read nova.conf: ${why(a.error)}`, 'Check /etc/nova/nova.conf on the source.');
  if (migrationCacheSafe(a.value)) return pass(name, a.value.diskCacheModes.file === 'none' ? 'disk_cachemodes file=none' : 'VIR_MIGRATE_UNSAFE in live_migration_flag');
  return fail(
    name,
    'disks use a cache mode other than none: libvirt would end with "Unsafe migration: Migration may lead to data corruption if disks use cache != none"',
    'Either set [libvirt] disk_cachemodes = "file=none" in nova.conf, or add VIR_MIGRATE_UNSAFE to live_migration_flag; then restart nova-compute.',
  );
}

interface Capacity {
  hypervisor?: Hypervisor;
  error?: Error;
}

/** RAM and vCPUs of the target's hypervisor (see hypervisor-lookup.ts for why it is not a plain hypervisor-show). */
async function capacityOf(cluster: Cluster, target: NodeConfig): Promise<Capacity> {
  const a = await settle(hypervisorOf(cluster.nova, target));
  return a.ok ? { hypervisor: a.value } : { error: a.error };
}

function capacityCheck(target: NodeConfig, server: Server, c: Capacity): Check {
  const name = `room on ${target.name}`;
  const field = (p: string) => Number(server.fields.find(([k]) => k === p)?.[1]);
  const ram = field('flavor:ram');
  const vcpus = field('flavor:vcpus');
  const free = freeRoom(c.hypervisor);
  if (free.ramMb === null || free.vcpus === null) {
    return warn(name, `capacity unknown${c.error ? ` (${why(c.error)})` : ''}`, 'Check free RAM and vCPUs with: openstack resource provider usage show');
  }
  if ((Number.isFinite(ram) && free.ramMb < ram) || (Number.isFinite(vcpus) && free.vcpus < vcpus)) {
    return warn(name, `needs ${ram} MB / ${vcpus} vCPU, has ${free.ramMb} MB / ${free.vcpus} vCPU free`, 'The scheduler may refuse it (No valid host); pick a target with more room.');
  }
  return pass(name, `${free.ramMb} MB and ${free.vcpus} vCPU free`);
}
