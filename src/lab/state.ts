/**
 * The lab cluster's state: plain data that the command modules read and
 * mutate. Built once by build-state.ts; time-driven changes (migrations,
 * heals) are applied lazily by `advance` in model.ts, so nothing here runs timers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { LabModelOptions } from './types.js';

export const MOUNT_POINT = '/var/lib/nova/instances';
export const BRICK_PATH = '/gluster/instances';
export const VOLUME_NAME = 'vm-instances';
export const DOMAIN = 'stack';
export const GLUSTER_VERSION = '10.3';

/** A file on one node's local disk; `content` may be computed (nova.conf follows faults). */
export interface LocalFile {
  content: string | (() => string);
  owner: string;
  mode: string;
}

export interface LabNode {
  name: string;
  /** Name gluster and the hypervisor know the node by: computeNN.stack (control: control.stack). */
  fqdn: string;
  ip: string;
  isCompute: boolean;
  /** glusterfs-server installed (computes only). */
  glusterInstalled: boolean;
  glusterdUp: boolean;
  glusterVersion: string;
  glusterUuid: string;
  /** Trusted-pool id: nodes with the same id are peers of each other. */
  poolId: number;
  /** brick-down fault: the brick process was killed (glusterd or `volume start force` respawns it). */
  brickKilled: boolean;
  brickPid: number;
  brickPort: number;
  shdPid: number;
  /** Name of the gluster volume FUSE-mounted at MOUNT_POINT, or null. */
  mounted: string | null;
  /** The mount's source as given to mount(8), e.g. localhost:vm-instances. */
  mountSource: string;
  /** fuse-dead fault: the glusterfs client process of the mount is gone; the mount stays listed, every access fails ENOTCONN. */
  fuseDead: boolean;
  cacheUnsafe: boolean;
  /** nova.conf's max_concurrent_live_migrations: live migrations this node runs at once as the source. */
  maxLiveMigrations: number;
  /** migration-fails fault: migrations from this node fail with this message. */
  migrationFailure?: string;
  /** post-migration-stall fault: migrations from this node stay post-migrating this long after the copy. */
  postMigrationStallSeconds?: number;
  dirs: Map<string, { owner: string; mode: string }>;
  files: Map<string, LocalFile>;
}

export interface VolumeFile {
  /** null: a directory. */
  content: string | null;
  gfid: string;
  owner: string;
  mode: string;
}

export interface Volume {
  name: string;
  id: string;
  poolId: number;
  replica: number;
  /** Node names, in brick order. */
  bricks: { node: string; path: string }[];
  status: 'Created' | 'Started' | 'Stopped';
  options: [string, string][];
  rootOwner: string;
  rootMode: string;
  files: Map<string, VolumeFile>;
  /** Entries pending heal, per brick node: path → gfid ('/' is the volume root). */
  pending: Map<string, Map<string, string>>;
  /** When every brick came back online (ms); pending entries heal healMs later. */
  healStartAt?: number;
}

export interface Service {
  id: string;
  binary: 'nova-scheduler' | 'nova-conductor' | 'nova-compute';
  host: string;
  zone: string;
  enabled: boolean;
  disabledReason: string | null;
  up: boolean;
}

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

export interface InstanceAction {
  action: string;
  requestId: string;
  message: string | null;
  startTime: number;
  updatedAt: number;
  /** `host` is where the event ran (the conductor's host for conductor_* events; the instance's host otherwise); `details` nova's message for a failed one. */
  events: { event: string; start: number; finish: number | null; result: string | null; traceback: string | null; host?: string; details?: string | null }[];
}

export interface Instance {
  id: string;
  name: string;
  host: string;
  /** Nova status: ACTIVE, SHUTOFF, ERROR, PAUSED, SUSPENDED, MIGRATING. */
  status: string;
  vmState: string;
  taskState: string | null;
  powerState: number;
  ip: string;
  seq: number;
  created: number;
  launchedAt: number;
  updated: number;
  flavor: Flavor;
  actions: InstanceAction[];
  /** `details`: the traceback nova keeps with a fault (shown to admins). */
  fault?: { message: string; code: number; created: number; details?: string };
}

export interface Migration {
  id: number;
  uuid: string;
  instanceId: string;
  source: string;
  /** null when the conductor refused the migration before picking a destination (real nova leaves dest_compute unset). */
  dest: string | null;
  status: 'queued' | 'running' | 'post-migrating' | 'completed' | 'error' | 'cancelled';
  createdAt: number;
  updatedAt: number | null;
  /** When it starts copying (later than createdAt while queued behind another migration from the same host). */
  startsAt: number;
  /** When it ends (ms), and how. */
  endsAt: number;
  outcome: 'completed' | 'error';
  failure?: string;
  /** The last postMs before endsAt: copied, nova finishing on the destination (status post-migrating). */
  postMs?: number;
  /** When an accepted live-migration-abort reaches the source compute. */
  abortAt?: number;
}

/** The lock held by a transaction of `holder` on `volume`; `remaining` collisions before it is released (null: until gluster-unlocked). */
export interface GlusterLock {
  volume: string;
  holder: LabNode;
  remaining: number | null;
  /** Answer `Locking failed on HOLDER` instead of `Another transaction is in progress`. */
  lockingFailed: boolean;
}

export interface LabState {
  opts: Required<Pick<LabModelOptions, 'computes' | 'instances' | 'migrateSeconds'>> & { bare: boolean; healSeconds: number };
  nodes: Map<string, LabNode>;
  computes: string[];
  volumes: Map<string, Volume>;
  services: Service[];
  instances: Instance[];
  migrations: Migration[];
  projectId: string;
  userId: string;
  imageId: string;
  /** Instance UUIDs share a random prefix and count up, like the stand-in API's (so ties sort by creation). */
  instanceUuidPrefix: string;
  instanceUuidBase: number;
  nextInstanceSeq: number;
  nextPoolId: number;
  /** gluster-locked fault: another transaction holds glusterd's lock on a volume. */
  glusterLock?: GlusterLock | null;
}

export const FLAVOR_TINY: Flavor = { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 };

/** 32 lower-case hex digits, like a Keystone id. */
export function hexId(): string {
  return randomUUID().replace(/-/g, '');
}

export function requestId(): string {
  return `req-${randomUUID()}`;
}

/** A nova-style sequential UUID (the stand-in API numbered services and hypervisors this way). */
export function seqUuid(n: number): string {
  return `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
}

export function computeName(i: number): string {
  return `compute${String(i).padStart(2, '0')}`;
}

/** Instance addresses: 10.250.0.2 for the first instance. */
export function instanceIp(seq: number): string {
  const n = seq + 2;
  return `10.250.${Math.floor(n / 256)}.${n % 256}`;
}

/** nova's hostId: sha224 of project id + host. */
export function hostId(projectId: string, host: string): string {
  return host ? createHash('sha224').update(projectId + host).digest('hex') : '';
}

export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Gluster 10 picks brick ports at random in 49152-60999; PIDs stay 5 digits like the captures. */
export function respawnBrick(node: LabNode): void {
  node.brickPid = randomInt(10000, 32000);
  node.brickPort = randomInt(49152, 60999);
}

/** A node of the lab by ferry name, gluster fqdn, short name or IP (what `peer probe` and bricks accept). */
export function resolveHost(state: LabState, host: string): LabNode | undefined {
  for (const node of state.nodes.values()) {
    if (node.name === host || node.fqdn === host || node.ip === host) return node;
  }
  return undefined;
}

export function nodeOf(state: LabState, name: string): LabNode {
  const node = state.nodes.get(name);
  if (!node) throw new Error(`no lab node named ${JSON.stringify(name)}`);
  return node;
}

export function computeService(state: LabState, host: string): Service | undefined {
  return state.services.find((s) => s.binary === 'nova-compute' && s.host === host);
}

/** A brick answers when its volume is started, its node's glusterd runs and the process was not killed. */
export function brickOnline(state: LabState, vol: Volume, nodeName: string): boolean {
  const node = nodeOf(state, nodeName);
  return vol.status === 'Started' && node.glusterdUp && !node.brickKilled && node.dirs.has(vol.bricks.find((b) => b.node === nodeName)?.path ?? BRICK_PATH);
}

/** The volume mounted at MOUNT_POINT on a node, if any. */
export function mountedVolume(state: LabState, node: LabNode): Volume | undefined {
  return node.mounted === null ? undefined : state.volumes.get(node.mounted);
}
