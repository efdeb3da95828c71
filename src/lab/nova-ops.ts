/**
 * Nova's behaviour behind both CLIs (nova and openstack): finding a server,
 * starting, finishing and aborting live migrations, and what each hypervisor uses.
 */
import { randomUUID } from 'node:crypto';
import { computeService, nodeOf, requestId, type Instance, type LabState, type Migration } from './state.js';

/** An error as the compute API returns it; the CLIs print it their own way. */
export interface ApiError {
  kind: 'BadRequest' | 'Conflict' | 'NotFound';
  code: 400 | 404 | 409;
  message: string;
}

/** libvirt's refusal when a disk's cache mode is not none and VIR_MIGRATE_UNSAFE is not set. */
export const UNSAFE_MIGRATION = 'Unsafe migration: Migration may lead to data corruption if disks use cache != none';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** novaclient's find_resource: by id, then by exact name. */
export function findServer(state: LabState, ref: string): { inst: Instance } | { error: 'missing' | 'ambiguous' } {
  if (UUID_RE.test(ref)) {
    const byId = state.instances.find((i) => i.id === ref.toLowerCase());
    if (byId) return { inst: byId };
  }
  const byName = state.instances.filter((i) => i.name === ref);
  if (byName.length === 1) return { inst: byName[0]! };
  return { error: byName.length === 0 ? 'missing' : 'ambiguous' };
}

/** The compute API's state check (`check_instance_state(vm_state=[ACTIVE, PAUSED], task_state=[None])`). */
function stateConflict(inst: Instance, action: string): ApiError | undefined {
  if (!['active', 'paused'].includes(inst.vmState)) {
    return { kind: 'Conflict', code: 409, message: `Cannot '${action}' instance ${inst.id} while it is in vm_state ${inst.vmState}` };
  }
  if (inst.taskState !== null) {
    return { kind: 'Conflict', code: 409, message: `Cannot '${action}' instance ${inst.id} while it is in task_state ${inst.taskState}` };
  }
  return undefined;
}

/** Usable RAM of a lab hypervisor: 16 GiB less the 512 MB nova reserves for the host. */
export const HYPERVISOR_RAM_MB = 16384;
export const RESERVED_RAM_MB = 512;
export const HYPERVISOR_VCPUS = 8;
export const HYPERVISOR_DISK_GB = 100;

/** What the instances on a host use (its flavors), as the hypervisor reports it. */
export function hostUsage(state: LabState, host: string): { vms: number; ramMb: number; vcpus: number; diskGb: number } {
  let vms = 0;
  let ramMb = RESERVED_RAM_MB;
  let vcpus = 0;
  let diskGb = 0;
  for (const i of state.instances) {
    if (i.host !== host) continue;
    vms++;
    ramMb += i.flavor.ram;
    vcpus += i.flavor.vcpus;
    diskGb += i.flavor.disk;
  }
  return { vms, ramMb, vcpus, diskGb };
}

/**
 * POST os-migrateLive. Refusals the API answers at once come back as an
 * ApiError; failures libvirt or the scheduler report later are decided here
 * and applied by `advanceNova` when the migration ends.
 */
export function startLiveMigration(state: LabState, inst: Instance, host: string, now: number): ApiError | Migration {
  const conflict = stateConflict(inst, 'os-migrateLive');
  if (conflict) return conflict;
  const target = state.nodes.get(host);
  const service = computeService(state, host);
  if (!target?.isCompute || !service) {
    return { kind: 'BadRequest', code: 400, message: `Compute host ${host} could not be found.` };
  }
  // Since microversion 2.68 the API takes these and the conductor refuses them after the 202
  // (captures nova-live-migration-same-host, -to-disabled-host, -from-down-host): the source's
  // service is checked first, then the scheduler finds no host (it skips the source, disabled and down hosts).
  const refusal = !computeService(state, inst.host)?.up
    ? `Compute service of ${inst.host} is unavailable at this time.`
    : host === inst.host || !service.enabled || !service.up
      ? NO_VALID_HOST
      : undefined;
  if (refusal !== undefined) return conductorRefusal(state, inst, refusal, now);
  const source = nodeOf(state, inst.host);
  const used = hostUsage(state, host);
  let failure: string | undefined;
  if (used.ramMb + inst.flavor.ram > HYPERVISOR_RAM_MB) {
    failure = `No valid host was found. Unable to move instance ${inst.id} to host ${host}. There is not enough capacity on the host for the instance.`;
  } else if (source.cacheUnsafe) {
    failure = UNSAFE_MIGRATION;
  } else if (source.migrationFailure !== undefined) {
    failure = source.migrationFailure;
  }
  const full = state.opts.migrateSeconds * 1000;
  // nova.conf's max_concurrent_live_migrations (N): a source host runs N at a time, the others wait queued
  // and each takes the slot of the N-th migration before it to end.
  const ahead = state.migrations
    .filter((m) => m.source === inst.host && (m.status === 'queued' || m.status === 'running'))
    .map((m) => m.endsAt)
    .sort((a, b) => a - b);
  const slots = Math.max(1, source.maxLiveMigrations);
  const startsAt = ahead.length < slots ? now : Math.max(now, ahead[ahead.length - slots]!);
  // A refused migration fails early, the way libvirt refuses before copying memory.
  const postMs = failure === undefined ? (source.postMigrationStallSeconds ?? 0) * 1000 : 0;
  const endsAt = startsAt + (failure === undefined ? full + postMs : Math.min(full / 2, 1000));
  const migration = recordMigration(state, inst, now, {
    dest: host,
    status: startsAt > now ? 'queued' : 'running',
    updatedAt: null,
    startsAt,
    endsAt,
    outcome: failure === undefined ? 'completed' : 'error',
    ...(failure === undefined ? {} : { failure }),
    ...(postMs > 0 ? { postMs } : {}),
  });
  inst.status = 'MIGRATING';
  inst.taskState = 'migrating';
  inst.updated = now;
  inst.actions.push({
    action: 'live-migration',
    requestId: requestId(),
    message: null,
    startTime: now,
    updatedAt: now,
    events: [{ event: 'compute_live_migration', start: now, finish: null, result: null, traceback: null }],
  });
  advanceNova(state, now);
  return migration;
}

/** A new migration record of `inst` from its host, created `now`, with the rest as given. */
function recordMigration(state: LabState, inst: Instance, now: number, rest: Omit<Migration, 'id' | 'uuid' | 'instanceId' | 'source' | 'createdAt'>): Migration {
  const migration: Migration = { id: state.migrations.length + 1, uuid: randomUUID(), instanceId: inst.id, source: inst.host, createdAt: now, ...rest };
  state.migrations.push(migration);
  return migration;
}

/** nova.exception.NoValidHost(reason=""): the message ends in a space. */
export const NO_VALID_HOST = 'No valid host was found. ';

/** The host the lab's conductor (and API) run on, as a conductor event's `host`. */
export const CONDUCTOR_HOST = 'controller';

/**
 * A live migration the conductor refused: nova answered 202, then recorded the migration
 * with status error and no destination, left the instance ACTIVE, and put its reason in the
 * action's conductor_live_migrate_instance event (captures nova-migration-list-after-failed,
 * nova-instance-action-cirros4-failed).
 */
function conductorRefusal(state: LabState, inst: Instance, reason: string, now: number): Migration {
  const migration = recordMigration(state, inst, now, { dest: null, status: 'error', updatedAt: now, startsAt: now, endsAt: now, outcome: 'error', failure: reason });
  inst.updated = now;
  const traceback = `  File "/usr/lib/python3/dist-packages/nova/conductor/manager.py", line 465, in live_migrate_instance\n    self._live_migrate(context, instance, scheduler_hint,\n`;
  inst.actions.push({
    action: 'live-migration',
    requestId: requestId(),
    message: 'Error',
    startTime: now,
    updatedAt: now,
    events: [{ event: 'conductor_live_migrate_instance', start: now, finish: now, result: 'Error', traceback, host: CONDUCTOR_HOST, details: reason }],
  });
  return migration;
}

const inProgress = (m: Migration) => m.status === 'queued' || m.status === 'running' || m.status === 'post-migrating';

/** Applies every migration whose time has come (called before each command). */
export function advanceNova(state: LabState, now: number): void {
  for (const m of state.migrations) {
    const inst = state.instances.find((i) => i.id === m.instanceId);
    if (m.abortAt !== undefined && m.abortAt <= now && abortTakes(m, inst, m.abortAt)) continue;
    if (m.status === 'queued' && m.startsAt <= now) m.status = 'running';
    if (m.status === 'running' && m.postMs !== undefined && m.endsAt - m.postMs <= now) m.status = 'post-migrating';
    if ((m.status !== 'running' && m.status !== 'post-migrating') || m.endsAt > now) continue;
    m.status = m.outcome;
    m.updatedAt = m.endsAt;
    if (!inst) continue;
    inst.status = 'ACTIVE';
    inst.taskState = null;
    inst.updated = m.endsAt;
    const action = [...inst.actions].reverse().find((a) => a.action === 'live-migration');
    const event = action?.events[0];
    if (m.outcome === 'completed' && m.dest !== null) {
      inst.host = m.dest;
      if (event) Object.assign(event, { finish: m.endsAt, result: 'Success' });
    } else {
      const message = m.failure ?? 'Migration failed';
      inst.fault = { message, code: 500, created: m.endsAt };
      if (action) action.message = 'Error';
      if (event) Object.assign(event, { finish: m.endsAt, result: 'Error', traceback: `libvirt.libvirtError: ${message}\n` });
    }
    if (action) action.updatedAt = m.endsAt;
  }
}

/** How far a running migration has copied the instance's memory, in bytes. */
export function migrationProgress(state: LabState, m: Migration, now: number): { total: number; processed: number } {
  const inst = state.instances.find((i) => i.id === m.instanceId);
  const total = (inst?.flavor.ram ?? 0) * 1024 * 1024;
  const span = state.opts.migrateSeconds * 1000;
  const fraction = span <= 0 ? 1 : Math.min(1, Math.max(0, (now - m.startsAt) / span));
  return { total, processed: Math.floor(total * fraction) };
}

/** Migrations nova lists under a server (GET /servers/{id}/migrations): the in-progress ones (queued, preparing, running, post-migrating). */
export function runningMigrations(state: LabState, inst: Instance): Migration[] {
  return state.migrations.filter((m) => m.instanceId === inst.id && inProgress(m));
}

/** How long the source compute takes to act on an accepted abort of a running migration (libvirt's abortJob, then the rollback). */
export const ABORT_TAKES_MS = 1000;

/**
 * DELETE /servers/{id}/migrations/{mid} as nova 26 answers it (compute/api.py live_migrate_abort):
 * the instance must be in task_state migrating (409), the migration must be its own (404) and
 * running, or also queued/preparing from microversion 2.65 (400). Accepted (202), it is a cast
 * to the source compute: a queued migration is dropped at once, a running one a moment later,
 * unless it has finished copying by then (see abortTakes).
 */
export function abortMigration(state: LabState, inst: Instance, migrationId: string, now: number, microversion: number): ApiError | undefined {
  if (inst.taskState !== 'migrating') {
    return { kind: 'Conflict', code: 409, message: `Cannot 'abort live migration' instance ${inst.id} while it is in task_state ${inst.taskState ?? 'None'}` };
  }
  const m = state.migrations.find((x) => String(x.id) === migrationId && x.instanceId === inst.id);
  if (!m) return { kind: 'NotFound', code: 404, message: `Migration ${migrationId} not found for instance ${inst.id}` };
  const allowed = microversion >= 2.65 ? ['running', 'queued', 'preparing'] : ['running'];
  if (!allowed.includes(m.status)) {
    return {
      kind: 'BadRequest',
      code: 400,
      message: `Migration ${m.id} state of instance ${inst.id} is ${m.status}. Cannot abort live migration while the migration is in this state.`,
    };
  }
  m.abortAt = m.status === 'queued' ? now : now + ABORT_TAKES_MS;
  inst.actions.push({
    action: 'live_migration_cancel',
    requestId: requestId(),
    message: null,
    startTime: now,
    updatedAt: now,
    events: [{ event: 'compute_live_migration_abort', start: now, finish: null, result: null, traceback: null, host: inst.host }],
  });
  advanceNova(state, now);
  return undefined;
}

/**
 * The source compute acting on an abort at `at`. Still copying (or queued): the migration is
 * cancelled and rolled back, the instance ACTIVE where it was; the live-migration action
 * itself is not an error (nova's rollback raises nothing). Copy already done: nova's
 * InvalidMigrationState fails the abort's event and the migration goes on. true when cancelled.
 */
function abortTakes(m: Migration, inst: Instance | undefined, at: number): boolean {
  const cancel = inst?.actions.filter((a) => a.action === 'live_migration_cancel').at(-1);
  const event = cancel?.events[0];
  m.abortAt = undefined;
  const copied = m.endsAt - (m.postMs ?? 0);
  if (inProgress(m) && (m.status === 'queued' || at < copied)) {
    m.status = 'cancelled';
    m.updatedAt = at;
    if (inst) {
      inst.status = 'ACTIVE';
      inst.taskState = null;
      inst.updated = at;
      const live = [...inst.actions].reverse().find((a) => a.action === 'live-migration');
      const liveEvent = live?.events[0];
      if (liveEvent && liveEvent.finish === null) Object.assign(liveEvent, { finish: at, result: 'Success' });
      if (live) live.updatedAt = at;
    }
    if (event) Object.assign(event, { finish: at, result: 'Success' });
    if (cancel) cancel.updatedAt = at;
    return true;
  }
  const status = !inProgress(m) ? m.status : at >= m.endsAt ? m.outcome : 'post-migrating';
  const message = `Migration ${m.id} state of instance ${m.instanceId} is ${status}. Cannot abort live migration while the migration is in this state.`;
  if (event) Object.assign(event, { finish: at, result: 'Error', details: message, traceback: `nova.exception.InvalidMigrationState: ${message}\n` });
  if (cancel) Object.assign(cancel, { message: 'Error', updatedAt: at });
  return false;
}

/** nova's host_status: UP, DOWN (service down) or MAINTENANCE (service disabled). */
export function hostStatus(state: LabState, host: string): string {
  const s = computeService(state, host);
  if (!s) return '';
  if (!s.up) return 'DOWN';
  return s.enabled ? 'UP' : 'MAINTENANCE';
}

/** Sets an instance's status the way the instance-state fault needs (vm_state and power_state follow). */
export function setInstanceState(inst: Instance, status: string, now: number): void {
  const table: Record<string, [string, number]> = {
    ACTIVE: ['active', 1],
    SHUTOFF: ['stopped', 4],
    ERROR: ['error', 0],
    PAUSED: ['paused', 3],
    SUSPENDED: ['suspended', 7],
  };
  const entry = table[status];
  if (!entry) throw new Error(`instance-state: unknown state ${JSON.stringify(status)} (known: ${Object.keys(table).join(', ')})`);
  inst.status = status;
  [inst.vmState, inst.powerState] = entry;
  inst.taskState = null;
  inst.updated = now;
  if (status === 'ERROR' && !inst.fault) inst.fault = { message: NO_VALID_HOST, code: 500, created: now, details: NO_VALID_HOST_TRACE };
}

/** The traceback nova 26 kept with a boot's NoValidHost fault (capture nova-show-err, shortened): blank lines included. */
const NO_VALID_HOST_TRACE = `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/nova/conductor/manager.py", line 1587, in schedule_and_build_instances
    host_lists = self._schedule_instances(context, request_specs[0],
                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/oslo_messaging/_drivers/amqpdriver.py", line 681, in _send
    raise result
nova.exception_Remote.NoValidHost_Remote: No valid host was found.
Traceback (most recent call last):

  File "/usr/lib/python3/dist-packages/oslo_messaging/rpc/server.py", line 244, in inner
    return func(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^

  File "/usr/lib/python3/dist-packages/nova/scheduler/manager.py", line 209, in select_destinations
    raise exception.NoValidHost(reason="")

nova.exception.NoValidHost: No valid host was found.

`;
