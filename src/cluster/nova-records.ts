/**
 * The column → field mapping shared by novaclient's tables and the openstack
 * CLI's JSON. Their column names differ only in case and `_` vs space
 * (`Updated_at` / `Updated At`, `Request_ID` / `Request ID`), so records are keyed
 * by a normalised name and both parsers map through the functions here.
 */
import { ClusterError } from '../errors.js';
import type { Hypervisor, InstanceAction, Migration, ServerFault, Service, TransferProgress } from './nova-types.js';

/** A row: normalised column name → value, null for nova's `-` / `None` / JSON null. */
export type Rec = Map<string, string | null>;

/** `Updated_at`, `Updated At`, `updated_at` → `updated at`. */
export function normKey(key: string): string {
  return key.toLowerCase().replace(/[_\s]+/g, ' ').trim();
}

/** A record from a novaclient table row (text). */
export function recFromText(row: Record<string, string>): Rec {
  return new Map(Object.entries(row).map(([k, v]) => [normKey(k), v === '-' || v === 'None' || v === '' ? null : v]));
}

/** A record from an openstack CLI JSON object; numbers and booleans become text, objects JSON. */
export function recFromJson(obj: Record<string, unknown>): Rec {
  return new Map(Object.entries(obj).map(([k, v]) => [normKey(k), jsonText(v)]));
}

/** A JSON value as the text nova would print (null stays null; objects as JSON). */
export function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** First present value among the names. */
export function get(r: Rec, ...names: string[]): string | null {
  for (const n of names) {
    const v = r.get(n);
    if (v !== undefined && v !== null) return v;
  }
  return null;
}

/** A value that must be there; an `unparsable` ClusterError naming the column if not. */
export function need(r: Rec, what: string, ...names: string[]): string {
  const v = get(r, ...names);
  if (v === null) throw new ClusterError(`could not parse ${what}: no ${names[0]} column/value`, 'unparsable');
  return v;
}

function int(v: string | null): number | null {
  return v !== null && /^-?\d+$/.test(v) ? Number(v) : null;
}

function optInt(v: string | null): number | undefined {
  return int(v) ?? undefined;
}

function oneOf<T extends string>(v: string | null, allowed: readonly T[], what: string): T | null {
  if (v === null) return null;
  const lower = v.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new ClusterError(`could not parse ${what}: unexpected ${JSON.stringify(v)}`, 'unparsable');
  return lower;
}

/** A service row (service-list, service-disable/enable answers, compute service list). */
export function serviceFrom(r: Rec): Service {
  const what = 'service list';
  const forced = get(r, 'forced down');
  const host = need(r, what, 'host');
  return {
    // Before 2.53 service-disable answers without an id (capture nova-service-disable-2.52): nova then
    // addresses a service by its host (and binary), so the host is its id.
    id: get(r, 'id') ?? host,
    binary: need(r, what, 'binary'),
    host,
    zone: get(r, 'zone'),
    status: oneOf(need(r, what, 'status'), ['enabled', 'disabled'] as const, what)!,
    state: oneOf(get(r, 'state'), ['up', 'down'] as const, what),
    updatedAt: get(r, 'updated at'),
    disabledReason: get(r, 'disabled reason'),
    forcedDown: forced === null ? null : forced.toLowerCase() === 'true',
  };
}

/** A hypervisor (list row or show properties). Figures absent from 2.88+ stay undefined. */
export function hypervisorFrom(r: Rec): Hypervisor {
  const what = 'hypervisor';
  const h: Hypervisor = {
    id: need(r, what, 'id'),
    hostname: need(r, what, 'hypervisor hostname'),
    state: oneOf(get(r, 'state'), ['up', 'down'] as const, what),
    status: oneOf(get(r, 'status'), ['enabled', 'disabled'] as const, what),
    type: get(r, 'hypervisor type'),
    hostIp: get(r, 'host ip'),
    serviceHost: get(r, 'service host'),
    serviceId: get(r, 'service id'),
    serviceDisabledReason: get(r, 'service disabled reason'),
  };
  const figures: [keyof Hypervisor, string][] = [
    ['runningVms', 'running vms'], ['vcpus', 'vcpus'], ['vcpusUsed', 'vcpus used'], ['memoryMb', 'memory mb'],
    ['memoryMbUsed', 'memory mb used'], ['freeRamMb', 'free ram mb'], ['localGb', 'local gb'],
    ['localGbUsed', 'local gb used'], ['freeDiskGb', 'free disk gb'], ['diskAvailableLeast', 'disk available least'],
  ];
  for (const [field, column] of figures) {
    const n = optInt(get(r, column));
    if (n !== undefined) (h as unknown as Record<string, number>)[field] = n;
  }
  return h;
}

function progress(r: Rec, kind: 'memory' | 'disk'): TransferProgress | undefined {
  const [t, p, rem] = ['total', 'processed', 'remaining'].map((w) => int(get(r, `${w} ${kind} bytes`)));
  if (t === null && p === null && rem === null) return undefined;
  return { totalBytes: t ?? null, processedBytes: p ?? null, remainingBytes: rem ?? null };
}

/** A migration row; migration-list says `Instance UUID`, the others `Server UUID`. */
export function migrationFrom(r: Rec): Migration {
  const what = 'migration list';
  const m: Migration = {
    id: int(need(r, what, 'id')) ?? NaN,
    uuid: get(r, 'uuid'),
    sourceNode: get(r, 'source node'),
    destNode: get(r, 'dest node'),
    sourceCompute: get(r, 'source compute'),
    destCompute: get(r, 'dest compute'),
    destHost: get(r, 'dest host'),
    status: need(r, what, 'status'),
    instanceUuid: need(r, what, 'instance uuid', 'server uuid'),
    type: get(r, 'type', 'migration type'),
    createdAt: get(r, 'created at'),
    updatedAt: get(r, 'updated at'),
    oldFlavor: get(r, 'old flavor'),
    newFlavor: get(r, 'new flavor'),
    projectId: get(r, 'project id'),
    userId: get(r, 'user id'),
  };
  if (Number.isNaN(m.id)) throw new ClusterError(`could not parse ${what}: id ${JSON.stringify(get(r, 'id'))}`, 'unparsable');
  const memory = progress(r, 'memory');
  const disk = progress(r, 'disk');
  if (memory) m.memory = memory;
  if (disk) m.disk = disk;
  return m;
}

/** An instance action / server event row. */
export function actionFrom(r: Rec): InstanceAction {
  const what = 'instance action list';
  return {
    action: need(r, what, 'action'),
    requestId: need(r, what, 'request id'),
    message: get(r, 'message'),
    startTime: get(r, 'start time'),
    updatedAt: get(r, 'updated at', 'modified at'),
  };
}

/**
 * `admin=10.250.0.2, 10.250.0.9; private=192.168.0.5` (novaclient's list column) →
 * { admin: [...], private: [...] }.
 */
export function networksFromText(text: string | null): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!text) return out;
  for (const group of text.split(/;\s*/)) {
    const eq = group.indexOf('=');
    if (eq < 0) continue;
    out[group.slice(0, eq).trim()] = group.slice(eq + 1).split(/,\s*/).map((a) => a.trim()).filter((a) => a !== '');
  }
  return out;
}

/** A server's fault from its JSON object (openstack's `fault`, or novaclient's json.dumps of it); null if it has no message. */
export function faultFrom(v: unknown): ServerFault | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.message !== 'string') return null;
  const text = (x: unknown) => (typeof x === 'string' && x !== '' ? x : null);
  return { message: o.message.trim(), code: typeof o.code === 'number' ? o.code : null, created: text(o.created), details: text(o.details) };
}
