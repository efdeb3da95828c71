/**
 * Parsers for `openstack ... -f json` (python-openstackclient 6.0), mapped to the
 * same typed results as the novaclient tables (nova-text.ts).
 */
import { ClusterError } from '../errors.js';
import { actionFrom, faultFrom, get, hypervisorFrom, jsonText, migrationFrom, need, networksFromText, recFromJson, serviceFrom } from './nova-records.js';
import type { Hypervisor, InstanceAction, Migration, Server, ServerSummary, Service } from './nova-types.js';
import { powerStateText } from './nova-types.js';

type Obj = Record<string, unknown>;

function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch (err) {
    throw new ClusterError(`could not parse ${what}: ${(err as Error).message}`, 'unparsable');
  }
}

function object(stdout: string, what: string): Obj {
  const v = parseJson(stdout, what);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ClusterError(`could not parse ${what}: expected a JSON object`, 'unparsable');
  return v as Obj;
}

function objects(stdout: string, what: string): Obj[] {
  const v = parseJson(stdout, what);
  if (!Array.isArray(v) || v.some((o) => typeof o !== 'object' || o === null)) {
    throw new ClusterError(`could not parse ${what}: expected a JSON array of objects`, 'unparsable');
  }
  return v as Obj[];
}

/** `{admin: ["10.250.0.2"]}`; older clients print novaclient's `admin=10.250.0.2` text instead. */
function networks(v: unknown): Record<string, string[]> {
  if (typeof v === 'string') return networksFromText(v);
  if (typeof v !== 'object' || v === null) return {};
  return Object.fromEntries(
    Object.entries(v as Obj).map(([net, addrs]) => [
      net,
      (Array.isArray(addrs) ? addrs : []).map((a) => (typeof a === 'object' && a !== null ? String((a as Obj).addr ?? '') : String(a))),
    ]),
  );
}

/** `openstack server show REF -f json`. `fields` are the JSON keys in order, values as text (null as `-`). */
export function parseServerShowJson(stdout: string): Server {
  const o = object(stdout, 'openstack server show');
  const r = recFromJson(o);
  const what = 'openstack server show';
  const flavor = o.flavor;
  const flavorName =
    typeof flavor === 'object' && flavor !== null
      ? jsonText((flavor as Obj).original_name ?? (flavor as Obj).name)
      : jsonText(flavor)?.replace(/ \([^)]*\)$/, '') ?? null;
  const power = o['OS-EXT-STS:power_state'];
  return {
    id: need(r, what, 'id'),
    name: need(r, what, 'name'),
    status: need(r, what, 'status'),
    taskState: get(r, 'os-ext-sts:task state'),
    vmState: get(r, 'os-ext-sts:vm state'),
    powerState: powerStateText(typeof power === 'number' || typeof power === 'string' ? power : null),
    host: get(r, 'os-ext-srv-attr:host'),
    hypervisorHostname: get(r, 'os-ext-srv-attr:hypervisor hostname'),
    instanceName: get(r, 'os-ext-srv-attr:instance name'),
    flavor: flavorName,
    image: get(r, 'image') || null,
    networks: networks(o.addresses),
    updated: get(r, 'updated'),
    fields: Object.entries(o).map(([k, v]) => [k, jsonText(v) ?? '-']),
    fault: faultFrom(o.fault),
  };
}

/** `openstack server list [--host H] [--all-projects] --long -f json`. */
export function parseServerListJson(stdout: string): ServerSummary[] {
  const what = 'openstack server list';
  return objects(stdout, what).map((o) => {
    const r = recFromJson(o);
    const power = o['Power State'];
    return {
      id: need(r, what, 'id'),
      name: need(r, what, 'name'),
      status: need(r, what, 'status'),
      taskState: get(r, 'task state'),
      powerState: powerStateText(typeof power === 'number' || typeof power === 'string' ? power : null),
      networks: networks(o.Networks),
      host: get(r, 'host'),
      tenantId: get(r, 'project id', 'tenant id'),
    };
  });
}

/** `openstack compute service list [--host H] [--service B] -f json`. */
export function parseComputeServiceListJson(stdout: string): Service[] {
  return objects(stdout, 'openstack compute service list').map((o) => serviceFrom(recFromJson(o)));
}

/** `openstack hypervisor list -f json` (no Status column, unlike `nova hypervisor-list`). */
export function parseHypervisorListJson(stdout: string): Hypervisor[] {
  return objects(stdout, 'openstack hypervisor list').map((o) => hypervisorFrom(recFromJson(o)));
}

/**
 * `openstack hypervisor show NAME -f json`. No capture of it: we assume the API's
 * snake_case keys (`hypervisor_hostname`, `free_ram_mb`), which normalise to the same
 * columns as novaclient's Property names.
 */
export function parseHypervisorShowJson(stdout: string): Hypervisor {
  return hypervisorFrom(recFromJson(object(stdout, 'openstack hypervisor show')));
}

/** `openstack server migration list [--server REF] -f json`. */
export function parseMigrationListJson(stdout: string): Migration[] {
  return objects(stdout, 'openstack server migration list').map((o) => migrationFrom(recFromJson(o)));
}

/** `openstack server event list REF -f json` (columns `Request ID`, `Action`, `Start Time`; assumed, no capture). */
export function parseServerEventListJson(stdout: string): InstanceAction[] {
  return objects(stdout, 'openstack server event list').map((o) => actionFrom(recFromJson(o)));
}
