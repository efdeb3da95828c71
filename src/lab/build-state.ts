/**
 * The lab's starting point: a healthy cluster (or a bare one for the
 * bootstrap runbook), and instances added later by the instance-add fault.
 */
import { randomUUID } from 'node:crypto';
import {
  BRICK_PATH,
  computeName,
  FLAVOR_TINY,
  GLUSTER_VERSION,
  hexId,
  instanceIp,
  MOUNT_POINT,
  randomInt,
  requestId,
  respawnBrick,
  seqUuid,
  VOLUME_NAME,
  DOMAIN,
  type Instance,
  type LabNode,
  type LabState,
  type LocalFile,
} from './state.js';
import type { LabModelOptions } from './types.js';

/** Node addresses: 198.18.0.11 for compute01, like the captures. */
function nodeIp(i: number): string {
  const n = 10 + i;
  return `198.18.${Math.floor(n / 256)}.${n % 256}`;
}

function makeNode(name: string, i: number, isCompute: boolean, poolId: number, bare: boolean, maxLiveMigrations = 1): LabNode {
  const dirs = new Map<string, { owner: string; mode: string }>();
  for (const d of ['/', '/root', '/etc', '/tmp', '/var', '/var/lib']) dirs.set(d, { owner: 'root:root', mode: '755' });
  const files = new Map<string, LocalFile>();
  const node: LabNode = {
    name,
    fqdn: `${name}.${DOMAIN}`,
    ip: isCompute ? nodeIp(i) : '198.18.0.10',
    isCompute,
    glusterInstalled: isCompute,
    glusterdUp: isCompute,
    glusterVersion: GLUSTER_VERSION,
    glusterUuid: randomUUID(),
    poolId,
    brickKilled: false,
    brickPid: 0,
    brickPort: 0,
    shdPid: randomInt(10000, 32000),
    mounted: isCompute && !bare ? VOLUME_NAME : null,
    mountSource: `localhost:${VOLUME_NAME}`,
    fuseDead: false,
    cacheUnsafe: false,
    maxLiveMigrations,
    dirs,
    files,
  };
  if (isCompute) {
    dirs.set('/etc/nova', { owner: 'root:nova', mode: '750' });
    dirs.set('/var/lib/nova', { owner: 'nova:nova', mode: '755' });
    dirs.set(MOUNT_POINT, { owner: 'root:root', mode: '755' });
    if (!bare) {
      dirs.set('/gluster', { owner: 'root:root', mode: '755' });
      dirs.set(BRICK_PATH, { owner: 'root:root', mode: '755' });
    }
    files.set('/etc/nova/nova.conf', { content: () => novaConf(node), owner: 'root:nova', mode: '640' });
    respawnBrick(node);
  } else {
    files.set('/root/openrc', { content: OPENRC, owner: 'root:root', mode: '600' });
  }
  return node;
}

const OPENRC = `export OS_PROJECT_DOMAIN_NAME=Default
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_NAME=admin
export OS_USERNAME=admin
export OS_PASSWORD=lab-only-password
export OS_AUTH_URL=http://control:5000/v3
export OS_IDENTITY_API_VERSION=3
export OS_IMAGE_API_VERSION=2
`;

/** nova.conf of a compute node; the [libvirt] section follows the cache-unsafe fault. */
function novaConf(node: LabNode): string {
  const flags = ['VIR_MIGRATE_UNDEFINE_SOURCE', 'VIR_MIGRATE_PEER2PEER', 'VIR_MIGRATE_LIVE'];
  if (!node.cacheUnsafe) flags.push('VIR_MIGRATE_UNSAFE');
  return [
    '[DEFAULT]',
    `my_ip = ${node.ip}`,
    'transport_url = rabbit://openstack:lab-only-password@control:5672/',
    'compute_driver = libvirt.LibvirtDriver',
    `instances_path = ${MOUNT_POINT}`,
    `max_concurrent_live_migrations = ${node.maxLiveMigrations}`,
    '',
    '[libvirt]',
    'virt_type = kvm',
    `live_migration_flag = ${flags.join(',')}`,
    ...(node.cacheUnsafe ? ['disk_cachemodes = file=writeback'] : ['disk_cachemodes = file=none']),
    '',
  ].join('\n');
}

/** Adds an instance (ACTIVE) on a host; used at start and by the instance-add fault. */
export function addInstance(state: LabState, name: string, host: string, at: number): Instance {
  const seq = state.nextInstanceSeq++;
  const created = at - 3600_000 + seq * 1000;
  const inst: Instance = {
    id: state.instanceUuidPrefix + (state.instanceUuidBase + seq).toString(16).padStart(12, '0'),
    name,
    host,
    status: 'ACTIVE',
    vmState: 'active',
    taskState: null,
    powerState: 1,
    ip: instanceIp(seq),
    seq,
    created,
    launchedAt: created + 13_000,
    updated: created + 13_000,
    flavor: FLAVOR_TINY,
    actions: [],
  };
  inst.actions.push({
    action: 'create',
    requestId: requestId(),
    message: null,
    startTime: created,
    updatedAt: created + 13_000,
    events: [{ event: 'compute__do_build_and_run_instance', start: created, finish: created + 13_000, result: 'Success', traceback: null }],
  });
  state.instances.push(inst);
  return inst;
}

/** The initial cluster: healthy (or bare), instances cirros1..M on compute01. */
export function buildLabState(opts: LabModelOptions & { healSeconds?: number }, now: number): LabState {
  const bare = opts.bare ?? false;
  const state: LabState = {
    opts: { computes: opts.computes, instances: opts.instances, migrateSeconds: opts.migrateSeconds, bare, healSeconds: opts.healSeconds ?? 2 },
    nodes: new Map(),
    computes: [],
    volumes: new Map(),
    services: [],
    instances: [],
    migrations: [],
    projectId: hexId(),
    userId: hexId(),
    imageId: randomUUID(),
    instanceUuidPrefix: randomUUID().slice(0, 24),
    instanceUuidBase: randomInt(0, 2 ** 44),
    nextInstanceSeq: 0,
    nextPoolId: 1,
  };
  const control = makeNode('control', 0, false, 0, bare);
  state.nodes.set('control', control);
  state.services.push(
    { id: seqUuid(1), binary: 'nova-scheduler', host: 'control', zone: 'internal', enabled: true, disabledReason: null, up: true },
    { id: seqUuid(2), binary: 'nova-conductor', host: 'control', zone: 'internal', enabled: true, disabledReason: null, up: true },
  );
  for (let i = 1; i <= opts.computes; i++) {
    const name = computeName(i);
    // Bare: every node is alone in its own pool until probed.
    const poolId = bare ? state.nextPoolId++ : 0;
    state.nodes.set(name, makeNode(name, i, true, poolId, bare, opts.maxConcurrentLiveMigrations ?? 1));
    state.computes.push(name);
    state.services.push({ id: seqUuid(2 + i), binary: 'nova-compute', host: name, zone: 'nova', enabled: true, disabledReason: null, up: true });
  }
  if (!bare) {
    state.volumes.set(VOLUME_NAME, {
      name: VOLUME_NAME,
      id: randomUUID(),
      poolId: 0,
      replica: opts.computes,
      bricks: state.computes.map((node) => ({ node, path: BRICK_PATH })),
      status: 'Started',
      options: defaultVolumeOptions(),
      rootOwner: 'nova:nova',
      rootMode: '755',
      files: new Map(),
      pending: new Map(),
    });
  }
  for (let i = 1; i <= opts.instances; i++) addInstance(state, `cirros${i}`, computeName(1), now);
  return state;
}

/** What `volume create` sets on a replicate volume in gluster 10 (volume-info captures). */
export function defaultVolumeOptions(): [string, string][] {
  return [
    ['cluster.granular-entry-heal', 'on'],
    ['storage.fips-mode-rchecksum', 'on'],
    ['transport.address-family', 'inet'],
    ['nfs.disable', 'on'],
    ['performance.client-io-threads', 'off'],
  ];
}

