/**
 * The `openstack` CLI (python-openstackclient 6.0) on the control node: the
 * compute commands ferry may use, with cliff's `-f json|value|table` and `-c`.
 * JSON shapes follow shared/fixtures/nova/openstack-*.
 */
import { parseArgs, type ParsedArgs } from './cli-args.js';
import { failure, result, type CommandContext, type LabCommand } from './exec-result.js';
import { abortMigration, advanceNova, findServer, hostStatus, startLiveMigration } from './nova-ops.js';
import { extendedAttributes, hypervisorId, migrationEnds } from './nova-views.js';
import { isoMicro, isoZ, prettyTable, pyDumps, pyJson } from './py-format.js';
import { hostId, nodeOf, type Instance, type LabState } from './state.js';

type Row = Record<string, unknown>;

class OscError extends Error {
  constructor(readonly text: string, readonly exitCode = 1) {
    super(text);
  }
}

const COMMON = { values: ['-f', '--format', '-c', '--column', '--os-compute-api-version', '--os-cloud', '--sort-column', '--max-width'], flags: ['--noindent', '--fit-width'] };

function server(state: LabState, ref: string): Instance {
  const found = findServer(state, ref);
  if ('inst' in found) return found.inst;
  throw new OscError(found.error === 'missing' ? `No server with a name or ID of '${ref}' exists.` : `More than one server exists with the name '${ref}'.`);
}

/** The sub-commands the lab knows, longest first so `server migration list` wins over `server migrate`. */
const COMMANDS = ['server migration list', 'server migration abort', 'compute service list', 'server show', 'server list', 'server migrate', 'hypervisor list'];

/** `openstack ...` on the control node. */
export const openstackCommand: LabCommand = (ctx, args) => {
  advanceNova(ctx.state, ctx.now);
  let i = 0;
  // openstackclient 6.0 speaks compute 2.1 unless told otherwise; kept as the minor number (2.30 → 30).
  let microversion = 1;
  // Global options (--os-cloud X, --os-compute-api-version X, ...) come first.
  for (; i < args.length && args[i]!.startsWith('-'); i += args[i]!.startsWith('--os-') && !args[i]!.includes('=') ? 2 : 1) {
    if (args[i] === '--os-compute-api-version') microversion = Number(/^2\.(\d+)$/.exec(args[i + 1] ?? '')?.[1] ?? 1);
  }
  const rest = args.slice(i);
  const cmd = COMMANDS.find((c) => c.split(' ').every((w, k) => rest[k] === w));
  if (cmd === undefined) {
    const words = rest.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ');
    return failure(`openstack: '${words}' is not an openstack command. See 'openstack --help'.\n`, 2);
  }
  const tail = rest.slice(cmd.split(' ').length);
  const p = (extra: { values?: string[]; flags?: string[] }) =>
    parseArgs(tail, { values: [...COMMON.values, ...(extra.values ?? [])], flags: [...COMMON.flags, ...(extra.flags ?? [])] });
  try {
    switch (cmd) {
      case 'server show':
        return emitOne(p({}), serverJson(ctx.state, server(ctx.state, onlyArg(p({})))));
      case 'server list': {
        const a = p({ values: ['--host', '--status', '--name', '--project', '--limit'], flags: ['--all-projects', '--long'] });
        return emitList(a, serverList(ctx.state, a));
      }
      case 'server migration list': {
        const a = p({ values: ['--server', '--host', '--status', '--type', '--limit', '--marker'] });
        return emitList(a, migrationList(ctx.state, a, microversion));
      }
      case 'server migration abort':
        return abort(ctx, p({}), microversion);
      case 'server migrate':
        return migrate(ctx, p({ values: ['--host'], flags: ['--live-migration', '--shared-migration', '--block-migration', '--wait'] }), microversion);
      case 'compute service list': {
        const a = p({ values: ['--host', '--service'], flags: ['--long'] });
        return emitList(a, serviceList(ctx, a));
      }
      default: {
        const a = p({ values: ['--matching', '--limit', '--marker'], flags: ['--long'] });
        return emitList(a, ctx.state.computes.map((c) => {
          const node = nodeOf(ctx.state, c);
          const up = ctx.state.services.find((s) => s.host === c && s.binary === 'nova-compute')?.up ?? false;
          return { ID: hypervisorId(ctx.state, c), 'Hypervisor Hostname': node.fqdn, 'Hypervisor Type': 'QEMU', 'Host IP': node.ip, State: up ? 'up' : 'down' };
        }));
      }
    }
  } catch (err) {
    if (err instanceof OscError) return failure(err.text + '\n', err.exitCode);
    throw err;
  }
};

function onlyArg(a: ParsedArgs): string {
  const ref = a.positional[0];
  if (a.positional.length !== 1 || ref === undefined) throw new OscError('usage: openstack server show [-h] [-f {json,shell,table,value,yaml}] <server>\nopenstack server show: error: the following arguments are required: <server>', 2);
  return ref;
}

function formatOf(a: ParsedArgs): string {
  return a.values.get('-f') ?? a.values.get('--format') ?? 'table';
}

function columnsOf(a: ParsedArgs, all: string[]): string[] {
  const wanted = a.all.filter(([k]) => k === '-c' || k === '--column').map(([, v]) => v);
  return wanted.length === 0 ? all : all.filter((k) => wanted.includes(k));
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'object') return pyDumps(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** cliff ShowOne output. */
function emitOne(a: ParsedArgs, row: Row) {
  const keys = columnsOf(a, Object.keys(row));
  const picked = Object.fromEntries(keys.map((k) => [k, row[k]]));
  const fmt = formatOf(a);
  if (fmt === 'json') return result(pyJson(picked));
  if (fmt === 'value') return result(keys.map((k) => scalar(row[k]) + '\n').join(''));
  return result(prettyTable(['Field', 'Value'], keys.map((k) => [k, scalar(row[k])])));
}

/** cliff Lister output. */
function emitList(a: ParsedArgs, rows: Row[]) {
  const keys = columnsOf(a, rows[0] ? Object.keys(rows[0]) : []);
  const picked = rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
  const fmt = formatOf(a);
  if (fmt === 'json') return result(pyJson(picked));
  if (fmt === 'value') return result(picked.map((r) => keys.map((k) => scalar(r[k])).join(' ') + '\n').join(''));
  return result(prettyTable(keys, picked.map((r) => keys.map((k) => scalar(r[k])))));
}

function sortedKeys(row: Row): Row {
  return Object.fromEntries(Object.keys(row).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((k) => [k, row[k]]));
}

/** `openstack server show -f json` (the capture's field set). */
function serverJson(state: LabState, inst: Instance): Row {
  const f = inst.flavor;
  const row: Row = {
    ...extendedAttributes(state, inst),
    'OS-EXT-SRV-ATTR:user_data': null,
    accessIPv4: '',
    accessIPv6: '',
    addresses: { admin: [inst.ip] },
    config_drive: '',
    created: isoZ(inst.created),
    description: null,
    flavor: { vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: 0, swap: 0, original_name: f.name, extra_specs: {} },
    hostId: hostId(state.projectId, inst.host),
    host_status: hostStatus(state, inst.host),
    id: inst.id,
    image: `cirros-0.3.1-x86_64 (${state.imageId})`,
    key_name: 'admin_key',
    locked: false,
    locked_reason: null,
    name: inst.name,
    pinned_availability_zone: null,
    progress: 0,
    project_id: state.projectId,
    properties: {},
    security_groups: [{ name: 'default' }],
    server_groups: [],
    status: inst.status,
    tags: [],
    trusted_image_certificates: null,
    updated: isoZ(inst.updated),
    user_id: state.userId,
    volumes_attached: [],
  };
  if (inst.status === 'ERROR' && inst.fault) row.fault = { code: inst.fault.code, created: isoZ(inst.fault.created), message: inst.fault.message };
  return sortedKeys(row);
}

function serverList(state: LabState, a: ParsedArgs): Row[] {
  const host = a.values.get('--host');
  const status = a.values.get('--status');
  const name = a.values.get('--name');
  const long = a.flags.has('--long');
  return [...state.instances]
    .filter((i) => (host === undefined || i.host === host) && (status === undefined || i.status === status.toUpperCase()) && (name === undefined || i.name.includes(name)))
    .sort((x, y) => x.seq - y.seq)
    .map((i) => {
      const networks = { admin: [i.ip] };
      if (!long) return { ID: i.id, Name: i.name, Status: i.status, Networks: networks, Image: 'cirros-0.3.1-x86_64', Flavor: i.flavor.name };
      return {
        ID: i.id, Name: i.name, Status: i.status, 'Task State': i.taskState, 'Power State': i.powerState, Networks: networks,
        'Image Name': 'cirros-0.3.1-x86_64', 'Image ID': state.imageId, Flavor: i.flavor.name, 'Availability Zone': 'nova',
        Host: i.host, Properties: {}, 'Host Status': hostStatus(state, i.host),
      };
    });
}

/** Id and Type come with 2.23, UUID with 2.59 (captures openstack-server-migration-list-json and -2.80-json). */
function migrationList(state: LabState, a: ParsedArgs, microversion: number): Row[] {
  const ref = a.values.get('--server');
  const inst = ref === undefined ? undefined : server(state, ref);
  const host = a.values.get('--host');
  const status = a.values.get('--status');
  return state.migrations
    .filter((m) => (inst === undefined || m.instanceId === inst.id) && (status === undefined || m.status === status))
    .filter((m) => host === undefined || m.source === host || m.dest === host)
    .map((m) => {
      const e = migrationEnds(state, m);
      const flavor = Number(state.instances.find((i) => i.id === m.instanceId)?.flavor.id ?? 1);
      return {
        ...(microversion >= 23 ? { Id: m.id } : {}), ...(microversion >= 59 ? { UUID: m.uuid } : {}),
        'Source Node': e.sourceNode, 'Dest Node': e.destNode, 'Source Compute': e.sourceCompute, 'Dest Compute': e.destCompute,
        'Dest Host': e.destHost, Status: m.status, 'Server UUID': m.instanceId, 'Old Flavor': flavor, 'New Flavor': flavor,
        ...(microversion >= 23 ? { Type: 'live-migration' } : {}), 'Created At': isoMicro(m.createdAt), 'Updated At': m.updatedAt === null ? null : isoMicro(m.updatedAt),
      };
    });
}

function serviceList(ctx: CommandContext, a: ParsedArgs): Row[] {
  const host = a.values.get('--host');
  const binary = a.values.get('--service');
  const long = a.flags.has('--long');
  return ctx.state.services
    .filter((s) => (host === undefined || s.host === host) && (binary === undefined || s.binary === binary))
    .map((s) => {
      const updated = isoMicro(Math.floor(ctx.now / 10_000) * 10_000 - (s.up ? 0 : 300_000));
      const row: Row = { ID: s.id, Binary: s.binary, Host: s.host, Zone: s.zone, Status: s.enabled ? 'enabled' : 'disabled', State: s.up ? 'up' : 'down', 'Updated At': updated };
      if (long) Object.assign(row, { 'Disabled Reason': s.disabledReason, 'Forced Down': false });
      return row;
    });
}

/** `openstack server migrate --live-migration [--host H] X`: prints nothing when nova accepts it. */
function migrate(ctx: CommandContext, a: ParsedArgs, microversion: number) {
  const ref = a.positional[0];
  if (ref === undefined) throw new OscError('openstack server migrate: error: the following arguments are required: <server>', 2);
  const inst = server(ctx.state, ref);
  if (!a.flags.has('--live-migration')) throw new OscError('The lab supports live migration only (--live-migration).');
  const host = a.values.get('--host');
  if (host === undefined) throw new OscError('The lab needs a target: --host <hostname>.');
  if (microversion < 30) throw new OscError('--os-compute-api-version 2.30 or greater is required when using --host');
  const started = startLiveMigration(ctx.state, inst, host, ctx.now);
  if ('kind' in started) throw new OscError(`${started.message} (HTTP ${started.code})`);
  return result('');
}

/** `openstack server migration abort X ID` (openstackclient 6.0): needs 2.24; prints nothing when nova accepts it. */
function abort(ctx: CommandContext, a: ParsedArgs, microversion: number) {
  const [ref, id] = a.positional;
  if (ref === undefined || id === undefined) throw new OscError('openstack server migration abort: error: the following arguments are required: <server>, <migration>', 2);
  if (microversion < 24) throw new OscError('--os-compute-api-version 2.24 or greater is required to support the server migration abort command');
  const err = abortMigration(ctx.state, server(ctx.state, ref), id, ctx.now, Number(`2.${microversion}`));
  if (err) throw new OscError(`${err.message} (HTTP ${err.code})`);
  return result('');
}
