/**
 * Typed results of the nova / openstack commands. nova-text.ts (novaclient's
 * tables) and nova-json.ts (`openstack ... -f json`) both produce these.
 */

/** One instance, from `nova show` / `openstack server show`. */
export interface Server {
  id: string;
  name: string;
  /** `ACTIVE`, `MIGRATING`, `SHUTOFF`, `ERROR`, ... */
  status: string;
  /** `migrating`, ...; null when nova shows `-` (no task). */
  taskState: string | null;
  /** `active`, `stopped`, ...; null when not shown. */
  vmState: string | null;
  /** Text of the numeric power state: `Running`, `Shutdown`, `Paused`, `Crashed`, `Suspended`, `NOSTATE`. */
  powerState: string;
  /** The nova-compute service host (`OS-EXT-SRV-ATTR:host`, `compute01`); null when not visible (non-admin). */
  host: string | null;
  /** `OS-EXT-SRV-ATTR:hypervisor_hostname` (`compute01.stack`). */
  hypervisorHostname: string | null;
  /** libvirt domain name (`instance-00000011`). */
  instanceName: string | null;
  /** Flavor name (`m1.tiny`). */
  flavor: string | null;
  /** As nova prints it: `cirros-0.3.1-x86_64 (f81518a9-...)`. */
  image: string | null;
  /** Addresses by network name. */
  networks: Record<string, string[]>;
  /** ISO time of the last change (`updated`). */
  updated: string | null;
  /** Every property and its value as the CLI printed them, in order (multi-line values joined with `\n`). */
  fields: [property: string, value: string][];
  /** Why nova put it in ERROR (the API shows a fault only then); null when none is shown. */
  fault: ServerFault | null;
}

/** A server's `fault`: nova's message (`No valid host was found. `), code, and the traceback nova keeps in details. */
export interface ServerFault {
  message: string;
  code: number | null;
  created: string | null;
  details: string | null;
}

/** One row of `nova list` / `openstack server list`. */
export interface ServerSummary {
  id: string;
  name: string;
  status: string;
  taskState: string | null;
  powerState: string;
  networks: Record<string, string[]>;
  /** Only the openstack CLI (`--long`) shows it; null from `nova list`. */
  host: string | null;
  /** `nova list --all-tenants` only; null otherwise. */
  tenantId: string | null;
}

/** A nova service (`nova service-list`, `openstack compute service list`). */
export interface Service {
  id: string;
  binary: string;
  host: string;
  /** null where the command does not show it (service-disable/enable answers). */
  zone: string | null;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down' | null;
  updatedAt: string | null;
  disabledReason: string | null;
  forcedDown: boolean | null;
}

/**
 * A hypervisor. The list commands fill the first fields only; `hypervisor-show`
 * fills the rest, except that with microversion >= 2.88 nova no longer reports
 * RAM, disk and vCPU figures (ask placement, or show with 2.87).
 */
export interface Hypervisor {
  id: string;
  hostname: string;
  state: 'up' | 'down' | null;
  status: 'enabled' | 'disabled' | null;
  type: string | null;
  hostIp: string | null;
  serviceHost: string | null;
  serviceId: string | null;
  serviceDisabledReason: string | null;
  runningVms?: number;
  vcpus?: number;
  vcpusUsed?: number;
  memoryMb?: number;
  memoryMbUsed?: number;
  freeRamMb?: number;
  localGb?: number;
  localGbUsed?: number;
  freeDiskGb?: number;
  diskAvailableLeast?: number;
}

/** Progress figures of a running live migration (`server-migration-list`). */
export interface TransferProgress {
  totalBytes: number | null;
  processedBytes: number | null;
  remainingBytes: number | null;
}

/** A migration (`nova migration-list`, `nova server-migration-list`, `openstack server migration list`). */
export interface Migration {
  id: number;
  /** null from `server-migration-list`, which does not show it. */
  uuid: string | null;
  sourceNode: string | null;
  destNode: string | null;
  sourceCompute: string | null;
  destCompute: string | null;
  destHost: string | null;
  /** `queued`, `preparing`, `running`, `completed`, `failed`, `error`, `cancelled`, ... */
  status: string;
  instanceUuid: string;
  /** `live-migration`, `migration`, `resize`, `evacuation`; null when not shown. */
  type: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  oldFlavor: string | null;
  newFlavor: string | null;
  projectId: string | null;
  userId: string | null;
  memory?: TransferProgress;
  disk?: TransferProgress;
}

/** One row of `nova instance-action-list` / `openstack server event list`. */
export interface InstanceAction {
  action: string;
  requestId: string;
  message: string | null;
  startTime: string | null;
  updatedAt: string | null;
}

/** Nova's power_state codes (nova/compute/power_state.py) as novaclient prints them. */
const POWER_STATES: Record<number, string> = { 0: 'NOSTATE', 1: 'Running', 3: 'Paused', 4: 'Shutdown', 6: 'Crashed', 7: 'Suspended' };

/** `1` → `Running`; text that is already a name is returned as is. */
export function powerStateText(code: number | string | null | undefined): string {
  if (code === null || code === undefined || code === '' || code === '-') return 'NOSTATE';
  const n = typeof code === 'number' ? code : /^\d+$/.test(code) ? Number(code) : NaN;
  if (Number.isNaN(n)) return String(code);
  return POWER_STATES[n] ?? `unknown (${n})`;
}
