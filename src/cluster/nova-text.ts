/**
 * Parsers for python-novaclient's output (prettytable tables on stdout) and for
 * the errors nova and openstack print on stderr. Written against the 18.1
 * captures in shared/fixtures/nova.
 */
import { AmbiguousError, ClusterError, NotFoundError } from '../errors.js';
import { readTable, tableRecords } from './prettytable.js';
import { parsePyLiteral } from './py-literal.js';
import { actionFrom, faultFrom, hypervisorFrom, migrationFrom, networksFromText, recFromText, serviceFrom, get, need } from './nova-records.js';
import type { Hypervisor, InstanceAction, Migration, Server, ServerFault, ServerSummary, Service } from './nova-types.js';
import { powerStateText } from './nova-types.js';

/** Parses `nova show`: a Property | Value table, values possibly on several rows. */
export function parseNovaShow(stdout: string): Server {
  const table = readTable(stdout, 'nova show');
  const fields = table.rows.map((r): [string, string] => [r[0] ?? '', r[1] ?? '']);
  return serverFromFields(fields);
}

/**
 * The Server of an ordered property list. Also used for the JSON form, flattened the
 * way novaclient prints it (`flavor:original_name`, `<network> network`).
 */
export function serverFromFields(fields: [string, string][]): Server {
  const props = new Map(fields);
  const val = (k: string) => {
    const v = props.get(k);
    return v === undefined || v === '' || v === '-' ? null : v;
  };
  const what = 'nova show';
  const must = (k: string) => {
    const v = val(k);
    if (v === null) throw new ClusterError(`could not parse ${what}: no ${k}`, 'unparsable');
    return v;
  };
  const networks: Record<string, string[]> = {};
  for (const [k, v] of fields) {
    const m = k.match(/^(.+) network$/);
    if (m) networks[m[1]!] = v.split(/,\s*/).filter((a) => a !== '');
  }
  // Microversion 2.47+ embeds the flavor (`flavor:original_name`); older ones print `flavor | m1.tiny (1)`.
  const flavor = val('flavor:original_name') ?? val('flavor')?.replace(/ \([^)]*\)$/, '') ?? null;
  return {
    id: must('id'),
    name: must('name'),
    status: must('status'),
    taskState: val('OS-EXT-STS:task_state'),
    vmState: val('OS-EXT-STS:vm_state'),
    powerState: powerStateText(val('OS-EXT-STS:power_state')),
    host: val('OS-EXT-SRV-ATTR:host'),
    hypervisorHostname: val('OS-EXT-SRV-ATTR:hypervisor_hostname'),
    instanceName: val('OS-EXT-SRV-ATTR:instance_name'),
    flavor,
    image: val('image'),
    networks,
    updated: val('updated'),
    fields,
    fault: faultOf(props.get('fault')),
  };
}

/**
 * novaclient prints the fault as json.dumps and then splits it at every `\\n` escape
 * (capture nova-show-err): the table's line breaks are those escapes. A fault that is not
 * JSON keeps its text as the message.
 */
function faultOf(value: string | undefined): ServerFault | null {
  if (value === undefined || value === '' || value === '-') return null;
  try {
    return faultFrom(JSON.parse(value.replace(/\n/g, '\\n')));
  } catch {
    return { message: value.split('\n')[0]!, code: null, created: null, details: null };
  }
}

/** `nova list [--host H] [--all-tenants]` (the latter adds a Tenant ID column). */
export function parseNovaList(stdout: string): ServerSummary[] {
  return tableRecords(readTable(stdout, 'nova list')).map((row) => {
    const r = recFromText(row);
    return {
      id: need(r, 'nova list', 'id'),
      name: need(r, 'nova list', 'name'),
      status: need(r, 'nova list', 'status'),
      taskState: get(r, 'task state'),
      powerState: powerStateText(get(r, 'power state')),
      networks: networksFromText(get(r, 'networks')),
      host: get(r, 'host'),
      tenantId: get(r, 'tenant id'),
    };
  });
}

/** `nova service-list`, and the one-row tables `service-disable` / `service-enable` answer with. */
export function parseServiceList(stdout: string): Service[] {
  return tableRecords(readTable(stdout, 'nova service-list')).map((row) => serviceFrom(recFromText(row)));
}

/** `nova hypervisor-list`. */
export function parseHypervisorList(stdout: string): Hypervisor[] {
  return tableRecords(readTable(stdout, 'nova hypervisor-list')).map((row) => hypervisorFrom(recFromText(row)));
}

/** `nova [--os-compute-api-version 2.87] hypervisor-show NAME` (2.88+ omits the RAM/vCPU figures). */
export function parseHypervisorShow(stdout: string): Hypervisor {
  const table = readTable(stdout, 'nova hypervisor-show');
  return hypervisorFrom(recFromText(Object.fromEntries(table.rows.map((r) => [r[0] ?? '', r[1] ?? '']))));
}

/** One event of an instance action (`nova instance-action X REQ`): what failed, and how. */
export interface ActionEvent {
  event: string;
  result: string | null;
  /** The error text nova recorded (the last line of the traceback, or `details`). */
  details: string | null;
}

/**
 * The events of `nova instance-action X REQ`. novaclient 18 prints them with
 * `pprint.pformat` (a Python literal: capture nova-instance-action-cirros4-failed)
 * over several table rows; an unreadable value is an `unparsable` ClusterError, not "no events".
 */
export function parseActionEvents(stdout: string): ActionEvent[] {
  const table = readTable(stdout, 'nova instance-action');
  const raw = table.rows.find((r) => r[0] === 'events')?.[1] ?? '[]';
  return eventsFrom(parsePyLiteral(raw, 'nova instance-action events'));
}

/** The events list as JSON text (openstack's `events` field). */
export function eventsFromJson(text: string): ActionEvent[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return [];
  }
  return eventsFrom(list);
}

function eventsFrom(list: unknown): ActionEvent[] {
  if (!Array.isArray(list)) return [];
  return list.map((e: Record<string, unknown>) => {
    const tb = typeof e.traceback === 'string' ? e.traceback.trim().split('\n').at(-1) : undefined;
    const details = typeof e.details === 'string' && e.details.trim() ? e.details.trim() : tb || null;
    return { event: String(e.event ?? ''), result: typeof e.result === 'string' ? e.result : null, details };
  });
}

/** `nova migration-list` and `nova server-migration-list REF` (the latter with progress figures). */
export function parseMigrationList(stdout: string): Migration[] {
  return tableRecords(readTable(stdout, 'nova migration-list')).map((row) => migrationFrom(recFromText(row)));
}

/** `nova instance-action-list REF`. */
export function parseInstanceActions(stdout: string): InstanceAction[] {
  return tableRecords(readTable(stdout, 'nova instance-action-list')).map((row) => actionFrom(recFromText(row)));
}

/** novaclient's warning on every command, even on success; not an error. */
const NOISE = [/^nova CLI is deprecated and will be a? ?removed in a future release\.?$/];

/** stderr without the deprecation warning(s) and blank lines. */
export function stripNovaNoise(stderr: string): string {
  return stderr
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !NOISE.some((re) => re.test(l.trim())))
    .join('\n');
}

const HTTP_KINDS: Record<string, string> = {
  '400': 'BadRequest', '401': 'Unauthorized', '403': 'Forbidden', '404': 'NotFound', '405': 'MethodNotAllowed',
  '409': 'Conflict', '413': 'OverLimit', '500': 'ClientException', '501': 'HTTPNotImplemented', '503': 'ServiceUnavailable',
};

/**
 * The typed error for a failed nova / openstack command, or null when stderr says
 * nothing we recognise. `No server with a name or ID of 'x' exists.` → NotFoundError;
 * `Multiple server matches found for 'dup'` (nova) or `More than one server exists with
 * the name 'dup'` (openstack) → AmbiguousError without ids (NovaOps looks them up);
 * `ERROR (Conflict): ... (HTTP 409)` → ClusterError of kind `Conflict`; a usage error
 * (exit 2) → ClusterError of kind `usage`.
 */
export function novaCliError(stderr: string, exitCode: number | null): Error | null {
  const text = stripNovaNoise(stderr);
  const tagged = text.match(/^ERROR \((\w+)\): ([\s\S]*)$/m);
  const kind = tagged?.[1];
  const message = (tagged?.[2] ?? text).trim();
  const missing = message.match(/No (\w[\w ]*?) with a name or ID of '(.*)' exists\./);
  if (missing) return new NotFoundError(missing[0]);
  const many = message.match(/Multiple (\w[\w ]*?) matches found for '(.*)'|More than one (\w[\w ]*?) exists with the name '(.*)'/);
  if (many) return new AmbiguousError(many[0], []);
  if (exitCode === 2 && /^usage:/m.test(text)) {
    const reason = text.match(/^error: (.*)$/m)?.[1] ?? 'usage error';
    return new ClusterError(`nova rejected the command line: ${reason}`, 'usage');
  }
  // openstack's own refusal of an option the default microversion lacks (capture openstack-server-migrate-live-host-no-microversion).
  if (/--os-compute-api-version \S+ or greater is required/.test(message)) return new ClusterError(`openstack rejected the command line: ${message}`, 'usage');
  const http = message.match(/\(HTTP (\d{3})\)/);
  const resolvedKind = kind ?? (http ? HTTP_KINDS[http[1]!] ?? `HTTP${http[1]}` : undefined);
  if (resolvedKind === 'NotFound') return new NotFoundError(message);
  if (resolvedKind) return new ClusterError(message, resolvedKind);
  return null;
}
