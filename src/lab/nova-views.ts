/**
 * How nova's API objects look to novaclient: the rows and Property/Value dicts
 * of `nova show`, `service-list`, `hypervisor-show`, `migration-list` and the
 * like. Field sets and order follow shared/fixtures/nova.
 */
import { hostStatus, hostUsage, HYPERVISOR_DISK_GB, HYPERVISOR_RAM_MB, HYPERVISOR_VCPUS, migrationProgress } from './nova-ops.js';
import { dash, isoMicro, isoZ, pyPformat } from './py-format.js';
import { computeService, hostId, nodeOf, seqUuid, type Instance, type InstanceAction, type LabState, type Migration, type Service } from './state.js';

export const POWER_STATE_NAMES: Record<number, string> = { 0: 'NOSTATE', 1: 'Running', 3: 'Paused', 4: 'Shutdown', 6: 'Crashed', 7: 'Suspended' };

/** The stand-in API numbered hypervisors from 0x64 (nova-hypervisor-list). */
export function hypervisorId(state: LabState, host: string): string {
  return seqUuid(0x64 + state.computes.indexOf(host));
}

export function networksText(inst: Instance): string {
  return `admin=${inst.ip}`;
}

export function imageText(state: LabState): string {
  return `cirros-0.3.1-x86_64 (${state.imageId})`;
}

/** libvirt's domain name: instance-%08x of the database id (the first capture's is 0x11). */
export function instanceName(inst: Instance): string {
  return `instance-${(0x11 + inst.seq).toString(16).padStart(8, '0')}`;
}

export function reservationId(inst: Instance): string {
  return `r-${String(inst.seq + 1).padStart(8, '0')}`;
}

/** The OS-EXT-* / OS-SRV-USG attributes, the same in `nova show` and `openstack server show`. */
export function extendedAttributes(state: LabState, inst: Instance): Record<string, unknown> {
  return {
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': 'nova',
    'OS-EXT-SRV-ATTR:host': inst.host,
    'OS-EXT-SRV-ATTR:hostname': sanitizeHostname(inst.name),
    'OS-EXT-SRV-ATTR:hypervisor_hostname': nodeOf(state, inst.host).fqdn,
    'OS-EXT-SRV-ATTR:instance_name': instanceName(inst),
    'OS-EXT-SRV-ATTR:kernel_id': '',
    'OS-EXT-SRV-ATTR:launch_index': 0,
    'OS-EXT-SRV-ATTR:ramdisk_id': '',
    'OS-EXT-SRV-ATTR:reservation_id': reservationId(inst),
    'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
    'OS-EXT-STS:power_state': inst.powerState,
    'OS-EXT-STS:task_state': inst.taskState,
    'OS-EXT-STS:vm_state': inst.vmState,
    'OS-SRV-USG:launched_at': isoMicro(inst.launchedAt),
    'OS-SRV-USG:terminated_at': null,
  };
}

/** The server as `nova show` prints it (compute API 2.96). */
export function serverShowDict(state: LabState, inst: Instance): Record<string, unknown> {
  const f = inst.flavor;
  const props: Record<string, unknown> = {
    ...extendedAttributes(state, inst),
    accessIPv4: '',
    accessIPv6: '',
    'admin network': inst.ip,
    config_drive: '',
    created: isoZ(inst.created),
    description: null,
    'flavor:disk': f.disk,
    'flavor:ephemeral': 0,
    'flavor:extra_specs': {},
    'flavor:original_name': f.name,
    'flavor:ram': f.ram,
    'flavor:swap': 0,
    'flavor:vcpus': f.vcpus,
    hostId: hostId(state.projectId, inst.host),
    host_status: hostStatus(state, inst.host),
    id: inst.id,
    image: imageText(state),
    key_name: 'admin_key',
    locked: 'False',
    locked_reason: null,
    metadata: {},
    name: inst.name,
    'os-extended-volumes:volumes_attached': [],
    pinned_availability_zone: null,
    progress: 0,
    security_groups: 'default',
    server_groups: [],
    status: inst.status,
    tags: [],
    tenant_id: state.projectId,
    trusted_image_certificates: null,
    updated: isoZ(inst.updated),
    user_id: state.userId,
  };
  // The API shows a server's fault only while it is in ERROR.
  if (inst.status === 'ERROR' && inst.fault) {
    // The API's key order (json.dumps keeps it): code, created, message, details (admins only).
    props.fault = { code: inst.fault.code, created: isoZ(inst.fault.created), message: inst.fault.message, ...(inst.fault.details === undefined ? {} : { details: inst.fault.details }) };
  }
  return props;
}

export const SERVICE_HEADERS = ['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated_at', 'Disabled Reason', 'Forced down'];

export function serviceRow(s: Service, now: number): string[] {
  // nova-compute reports every 10 s; a down service stopped reporting a while ago.
  const updated = Math.floor(now / 10_000) * 10_000 - (s.up ? 0 : 300_000);
  return [s.id, s.binary, s.host, s.zone, s.enabled ? 'enabled' : 'disabled', s.up ? 'up' : 'down', isoMicro(updated), s.disabledReason ?? '-', 'False'];
}

/**
 * `nova hypervisor-show` at `microversion`: up to 2.52 integer ids and the cpu_info
 * dict flattened into cpu_info_* rows, no uptime (nova-26 capture
 * nova-hypervisor-show-compute02-2.52); 2.53+ UUIDs and uptime; 2.88+ no resource figures.
 */
export function hypervisorRows(state: LabState, host: string, microversion: number): Record<string, string> {
  const node = nodeOf(state, host);
  const s = computeService(state, host)!;
  const legacyIds = microversion < 2.53;
  const base: Record<string, string> = {
    host_ip: node.ip,
    hypervisor_hostname: node.fqdn,
    hypervisor_type: 'QEMU',
    hypervisor_version: '7002000',
    id: legacyIds ? String(state.computes.indexOf(host) + 1) : hypervisorId(state, host),
    service_disabled_reason: String(s.disabledReason ?? 'None'),
    service_host: host,
    service_id: legacyIds ? String(state.services.indexOf(s) + 1) : s.id,
    state: s.up ? 'up' : 'down',
    status: s.enabled ? 'enabled' : 'disabled',
    ...(legacyIds ? {} : { uptime: 'None' }),
  };
  if (microversion >= 2.88) return base;
  const used = hostUsage(state, host);
  const freeDisk = HYPERVISOR_DISK_GB - used.diskGb;
  return {
    ...base,
    ...(legacyIds ? LEGACY_CPU_INFO : { cpu_info: '{}' }),
    current_workload: String(state.instances.filter((i) => i.host === host && i.taskState !== null).length),
    disk_available_least: String(freeDisk - 8),
    free_disk_gb: String(freeDisk),
    free_ram_mb: String(HYPERVISOR_RAM_MB - used.ramMb),
    local_gb: String(HYPERVISOR_DISK_GB),
    local_gb_used: String(used.diskGb),
    memory_mb: String(HYPERVISOR_RAM_MB),
    memory_mb_used: String(used.ramMb),
    running_vms: String(used.vms),
    vcpus: String(HYPERVISOR_VCPUS),
    vcpus_used: String(used.vcpus),
  };
}

/** novaclient flattens the cpu_info dict at 2.52 (values as in the nova-26 capture). */
const LEGACY_CPU_INFO: Record<string, string> = {
  cpu_info_arch: 'x86_64',
  cpu_info_features: '["pge", "clflush"]',
  cpu_info_model: 'Nehalem',
  cpu_info_topology_cores: '1',
  cpu_info_topology_sockets: '4',
  cpu_info_topology_threads: '1',
  cpu_info_vendor: 'Intel',
};

export const MIGRATION_LIST_HEADERS = [
  'Id', 'UUID', 'Source Node', 'Dest Node', 'Source Compute', 'Dest Compute', 'Dest Host', 'Status', 'Instance UUID',
  'Old Flavor', 'New Flavor', 'Created At', 'Updated At', 'Type', 'Project ID', 'User ID',
];

/**
 * Where a migration goes, as nova's migration columns: node (hypervisor hostname), compute
 * host and dest host. A migration the conductor refused has only its source compute.
 */
export function migrationEnds(state: LabState, m: Migration): { sourceNode: string | null; destNode: string | null; sourceCompute: string; destCompute: string | null; destHost: string | null } {
  const src = nodeOf(state, m.source);
  if (m.dest === null) return { sourceNode: null, destNode: null, sourceCompute: src.name, destCompute: null, destHost: null };
  const dst = nodeOf(state, m.dest);
  return { sourceNode: src.fqdn, destNode: dst.fqdn, sourceCompute: src.name, destCompute: dst.name, destHost: dst.ip };
}

export function migrationListRow(state: LabState, m: Migration): string[] {
  const e = migrationEnds(state, m);
  const flavor = state.instances.find((i) => i.id === m.instanceId)?.flavor.id ?? '1';
  return [
    String(m.id), m.uuid, dash(e.sourceNode), dash(e.destNode), e.sourceCompute, dash(e.destCompute), dash(e.destHost), m.status, m.instanceId,
    flavor, flavor, isoMicro(m.createdAt), m.updatedAt === null ? '-' : isoMicro(m.updatedAt), 'live-migration', state.projectId, state.userId,
  ];
}

export const SERVER_MIGRATION_HEADERS = [
  'Id', 'Source Node', 'Dest Node', 'Source Compute', 'Dest Compute', 'Dest Host', 'Status', 'Server UUID', 'Created At', 'Updated At',
  'Project ID', 'User ID', 'Total Memory Bytes', 'Processed Memory Bytes', 'Remaining Memory Bytes', 'Total Disk Bytes', 'Processed Disk Bytes', 'Remaining Disk Bytes',
];

export function serverMigrationRow(state: LabState, m: Migration, now: number): string[] {
  const src = nodeOf(state, m.source);
  const dst = nodeOf(state, m.dest ?? m.source);
  const { total, processed } = migrationProgress(state, m, now);
  // Shared storage: nothing of the disk is copied.
  return [
    String(m.id), src.fqdn, dst.fqdn, src.name, dst.name, dst.ip, m.status, m.instanceId, isoMicro(m.createdAt),
    m.updatedAt === null ? '-' : isoMicro(m.updatedAt), state.projectId, state.userId,
    String(total), String(processed), String(total - processed), '0', '0', '0',
  ];
}

/**
 * `nova server-migration-show`: not captured. novaclient prints the API's
 * migration object with print_dict, so this is the 2.80 field set of
 * GET /servers/{id}/migrations/{id} in a Property/Value table.
 */
export function serverMigrationDict(state: LabState, m: Migration, now: number): Record<string, unknown> {
  const src = nodeOf(state, m.source);
  const dst = nodeOf(state, m.dest ?? m.source);
  const { total, processed } = migrationProgress(state, m, now);
  return {
    created_at: isoMicro(m.createdAt),
    dest_compute: dst.name,
    dest_host: dst.ip,
    dest_node: dst.fqdn,
    disk_processed_bytes: 0,
    disk_remaining_bytes: 0,
    disk_total_bytes: 0,
    id: m.id,
    memory_processed_bytes: processed,
    memory_remaining_bytes: total - processed,
    memory_total_bytes: total,
    project_id: state.projectId,
    server_uuid: m.instanceId,
    source_compute: src.name,
    source_node: src.fqdn,
    status: m.status,
    updated_at: m.updatedAt === null ? null : isoMicro(m.updatedAt),
    user_id: state.userId,
    uuid: m.uuid,
  };
}

/** `nova instance-action`: the action with its events (a failed event carries libvirt's message in its traceback). */
export function instanceActionDict(state: LabState, inst: Instance, a: InstanceAction): Record<string, unknown> {
  return {
    action: a.action,
    // novaclient 18: `action['events'] = pprint.pformat(action['events'])` before print_dict.
    events: pyPformat(a.events.map((e) => ({
      event: e.event,
      start_time: isoMicro(e.start),
      finish_time: e.finish === null ? null : isoMicro(e.finish),
      result: e.result,
      traceback: e.traceback,
      hostId: hostId(state.projectId, e.host ?? inst.host),
      host: e.host ?? inst.host,
      details: e.details !== undefined ? e.details : e.result === 'Error' ? inst.fault?.message ?? null : null,
    }))),
    instance_uuid: inst.id,
    message: a.message,
    project_id: state.projectId,
    request_id: a.requestId,
    start_time: isoMicro(a.startTime),
    updated_at: isoMicro(a.updatedAt),
    user_id: state.userId,
  };
}

/**
 * nova's utils.sanitize_hostname: latin-1 only (`web-ü-云` → `web-ü`: capture nova-show-unicode),
 * spaces and `_` to `-`, other non-word characters dropped, no leading/trailing `.`/`-`, lower case.
 */
export function sanitizeHostname(name: string): string {
  return name
    .replace(/[^\x00-\xff]/g, '')
    .replace(/[ _]/g, '-')
    .replace(/[^\p{L}\p{N}_.-]+/gu, '')
    .toLowerCase()
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63);
}
