/**
 * Every capture of the real nova 26 control plane (test/fixtures/real/nova-26) goes
 * through the parser ferry uses for that command, or, for output ferry does not parse
 * (errors, usage text, the warning), through the classifier that decides what it means.
 * A test at the end checks that no file of the directory is left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { AmbiguousError, ClusterError, NotFoundError } from '../src/errors.js';
import {
  parseComputeServiceListJson, parseHypervisorListJson, parseMigrationListJson, parseServerListJson, parseServerShowJson,
} from '../src/cluster/nova-json.js';
import {
  novaCliError, parseActionEvents, parseHypervisorList, parseHypervisorShow, parseInstanceActions, parseMigrationList, parseNovaList,
  parseNovaShow, parseServiceList, stripNovaNoise,
} from '../src/cluster/nova-text.js';
import { readTable, tableRecords } from '../src/cluster/prettytable.js';
import { FIXTURES } from './support/fixtures.js';

const DIR = path.join(FIXTURES, 'real', 'nova-26');

interface Capture {
  command: string;
  exit: number;
  body: string;
}

function load(file: string): Capture {
  const text = readFileSync(path.join(DIR, file), 'utf8');
  const cut = text.indexOf('\n\n');
  const head = Object.fromEntries(text.slice(0, cut).split('\n').map((l) => l.match(/^# ([a-z]+): (.*)$/)!.slice(1, 3) as [string, string]));
  return { command: head.command!, exit: Number(head.exit), body: text.slice(cut + 2) };
}

const CIRROS1 = '4b391bf0-4ade-4b8e-891b-4201623bb5f6';
const CIRROS4 = '525e5530-9a69-4247-8de0-2505bdb7e8ba';
const COMPUTE01_SVC = '516c3ff9-473d-4773-81e8-db0bc6cc7052';

/** A stderr of a command that succeeded: only novaclient's warning, which is no error. */
function onlyWarning(c: Capture) {
  expect(c.exit).toBe(0);
  expect(c.body).toBe('nova CLI is deprecated and will be a removed in a future release\n');
  expect(stripNovaNoise(c.body)).toBe('');
  expect(novaCliError(c.body, c.exit)).toBeNull();
}

const show = (host: string | null, status = 'ACTIVE', extra: object = {}) => (c: Capture) =>
  expect(parseNovaShow(c.body)).toMatchObject({ status, host, hypervisorHostname: host, ...extra });

const migrations = (expected: [id: number, status: string, source: string | null, dest: string | null][]) => (c: Capture) =>
  expect(parseMigrationList(c.body).map((m) => [m.id, m.status, m.sourceCompute, m.destCompute])).toEqual(expected);

const services = (c: Capture) => parseServiceList(c.body).map((s) => `${s.binary}@${s.host} ${s.status}/${s.state}${s.disabledReason ? ` (${s.disabledReason})` : ''}`);
const ALL_UP = ['nova-conductor@controller enabled/up', 'nova-scheduler@controller enabled/up', 'nova-compute@compute03 enabled/up', 'nova-compute@compute02 enabled/up', 'nova-compute@compute01 enabled/up'];

const listNames = (c: Capture) => parseNovaList(c.body).map((s) => s.name);

/** The stdout of a command that printed nothing there (its answer, if any, is on stderr). */
const empty = (c: Capture) => expect(c.body).toBe('');

const CHECKS: Record<string, (c: Capture) => void> = {
  'nova-version.txt': (c) => expect(c.body).toBe('18.1.0\nopenstack 6.0.0\n'),
  'nova-boot-cirros1.txt': (c) => expect(parseNovaShow(c.body)).toMatchObject({ name: 'cirros1', status: 'BUILD', host: null, flavor: 'm1.tiny', fault: null }),
  'nova-show-cirros1-before.txt': show('compute01', 'ACTIVE', { id: CIRROS1, name: 'cirros1', taskState: null, powerState: 'Running', flavor: 'm1.tiny', fault: null }),
  'nova-show-cirros1-before-minimal.txt': show('compute01', 'ACTIVE', { id: CIRROS1, name: 'cirros1' }),
  'nova-list.txt': (c) => {
    expect(listNames(c)).toEqual(['cirros-err', 'cirros1', 'cirros2', 'cirros3', 'cirros4', 'cirrosdup', 'cirrosdup', 'web-ü-云']);
    expect(parseNovaList(c.body).at(-1)).toMatchObject({ id: '1412f8f4-3641-4121-a519-f9ada07d1243', status: 'ACTIVE', taskState: null, powerState: 'Running', networks: {} });
    expect(parseNovaList(c.body)[0]).toMatchObject({ status: 'ERROR', powerState: 'NOSTATE' });
  },
  'nova-list-all-tenants.txt': (c) => expect(new Set(parseNovaList(c.body).map((s) => s.tenantId))).toEqual(new Set(['c074a91b06694ccda606150a97bfa2cd'])),
  'nova-list-host-compute01.txt': (c) => expect(listNames(c)).toEqual(['cirros1', 'cirros2']),
  'nova-list-host-compute01-fields.txt': (c) => expect(parseNovaList(c.body).map((s) => [s.name, s.host, s.taskState])).toEqual([['cirros1', 'compute01', null], ['cirros2', 'compute01', null]]),
  'nova-service-list.txt': (c) => expect(services(c)).toEqual(ALL_UP),
  'nova-hypervisor-list.txt': (c) => expect(parseHypervisorList(c.body).map((h) => `${h.hostname} ${h.state}/${h.status}`)).toEqual(['compute03 up/enabled', 'compute02 up/enabled', 'compute01 up/enabled']),
  'nova-hypervisor-show-compute02.txt': empty,
  'nova-hypervisor-show-compute02.stderr.txt': (c) => {
    // 2.53+ wants the hypervisor's UUID: a BadRequest naming it, not a missing host.
    const err = novaCliError(c.body, c.exit);
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).toMatchObject({ kind: 'BadRequest', message: expect.stringMatching(/^Invalid uuid compute02 \(HTTP 400\)/) });
  },
  'nova-hypervisor-show-compute02-uuid.txt': (c) => expect(parseHypervisorShow(c.body)).toMatchObject({ id: '021cea16-9878-4389-989d-63facd7f2784', hostname: 'compute02', state: 'up', status: 'enabled', type: 'fake', serviceHost: 'compute02', serviceDisabledReason: null }),
  'nova-hypervisor-show-compute02-2.52.txt': (c) => expect(parseHypervisorShow(c.body)).toMatchObject({ hostname: 'compute02', state: 'up', status: 'enabled', vcpus: expect.any(Number), memoryMb: expect.any(Number) }),
  'nova-hypervisor-servers-compute01.txt': (c) => expect(tableRecords(readTable(c.body, 'nova hypervisor-servers')).map((r) => r.ID)).toEqual([CIRROS1, '6acad6cd-d458-4c23-899d-aef2d4357c40']),
  'nova-migration-list-empty.txt': migrations([]),
  'nova-show-err.txt': (c) => {
    const s = parseNovaShow(c.body);
    expect(s).toMatchObject({ status: 'ERROR', host: null, powerState: 'NOSTATE', flavor: 'm1.huge' });
    expect(s.fault).toMatchObject({ message: 'No valid host was found.', code: 500, created: '2026-11-25T00:16:05Z' });
    // Every one of the 37 lines of the fault cell, the four blank ones too (the reader used to drop those).
    const lines = s.fields.find(([k]) => k === 'fault')![1].split('\n');
    expect([lines.length, lines.filter((l) => l === '').length]).toEqual([37, 4]);
    expect(s.fault!.details!.split('\n')).toHaveLength(37);
    expect(s.fault!.details).toMatch(/^Traceback \(most recent call last\):\n {2}File "\/usr\/lib\/python3\/dist-packages\/nova\/conductor\/manager\.py", line 1587/);
    expect(s.fault!.details).toMatch(/nova\.exception\.NoValidHost: No valid host was found\.\n\n$/);
  },
  'nova-show-unicode.txt': show('compute03', 'ACTIVE', { name: 'web-ü-云', id: '1412f8f4-3641-4121-a519-f9ada07d1243' }),
  'openstack-server-show-cirros1-json.txt': (c) => expect(parseServerShowJson(c.body)).toMatchObject({ id: CIRROS1, status: 'ACTIVE', host: 'compute01', powerState: 'Running', flavor: 'm1.tiny', fault: null }),
  'openstack-server-show-cirros1-table.txt': (c) => {
    // ferry asks openstack for -f json; the table form still reads as a table.
    const rows = new Map(readTable(c.body, 'openstack server show').rows.map(([k, v]) => [k, v]));
    expect([rows.get('OS-EXT-SRV-ATTR:host'), rows.get('status'), rows.get('id')]).toEqual(['compute01', 'ACTIVE', CIRROS1]);
  },
  'openstack-server-list-host-compute01-json.txt': (c) => expect(parseServerListJson(c.body).map((s) => s.name).sort()).toEqual(['cirros1', 'cirros2']),
  'openstack-server-list-host-compute01-long-json.txt': (c) => expect(parseServerListJson(c.body).map((s) => [s.name, s.host]).sort()).toEqual([['cirros1', 'compute01'], ['cirros2', 'compute01']]),
  'openstack-compute-service-list-json.txt': (c) => expect(parseComputeServiceListJson(c.body).map((s) => `${s.binary}@${s.host} ${s.status}/${s.state}`)).toEqual(ALL_UP),
  'openstack-compute-service-list-long-json.txt': (c) => expect(parseComputeServiceListJson(c.body).every((s) => s.disabledReason === null && s.forcedDown === false)).toBe(true),
  'openstack-hypervisor-list-json.txt': (c) => expect(parseHypervisorListJson(c.body).map((h) => [h.id, h.hostname, h.state])).toEqual([['1', 'compute03', 'up'], ['2', 'compute02', 'up'], ['3', 'compute01', 'up']]),
  'ssh-nova-show-cirros1.txt': show('compute01', 'ACTIVE', { id: CIRROS1 }),
  'nova-live-migration-cirros1-compute02.txt': empty,
  'nova-server-migration-list-cirros1-during.txt': (c) => {
    const [m] = parseMigrationList(c.body);
    // The fake driver reports no progress: None, not 0 bytes.
    expect(m).toMatchObject({ id: 1, status: 'running', sourceCompute: 'compute01', destCompute: 'compute02', instanceUuid: CIRROS1, destHost: null });
    expect(m!.memory).toBeUndefined();
  },
  'nova-migration-list-during.txt': (c) => expect(parseMigrationList(c.body).map((m) => m.status)).toEqual([expect.stringMatching(/^(running|preparing)$/)]),
  // At openstack's default microversion (2.1) a migration has no id: ferry asks at 2.80 (below) and refuses to guess.
  'openstack-server-migration-list-during-json.txt': (c) => expect(() => parseMigrationListJson(c.body)).toThrow(/could not parse migration list: no id column/),
  'nova-show-cirros1-during.txt': show('compute01', 'MIGRATING', { taskState: 'migrating' }),
  'openstack-server-show-cirros1-during-json.txt': (c) => expect(parseServerShowJson(c.body)).toMatchObject({ status: 'MIGRATING', taskState: 'migrating', host: 'compute01' }),
  'nova-show-cirros1-after.txt': show('compute02', 'ACTIVE', { taskState: null }),
  'openstack-server-show-cirros1-after-json.txt': (c) => expect(parseServerShowJson(c.body)).toMatchObject({ status: 'ACTIVE', host: 'compute02', taskState: null }),
  'nova-migration-list-after.txt': migrations([[1, 'completed', 'compute01', 'compute02']]),
  'nova-server-migration-list-cirros1-after.txt': migrations([]),
  'nova-instance-action-list-cirros1.txt': (c) => expect(parseInstanceActions(c.body).map((a) => [a.action, a.message])).toEqual([['create', null], ['live-migration', null]]),
  'nova-instance-action-cirros1-live-migration.txt': (c) => expect(parseActionEvents(c.body)).toEqual([
    'compute_post_live_migration_at_destination', 'compute_pre_live_migration', 'compute_live_migration', 'compute_check_can_live_migrate_source',
    'compute_check_can_live_migrate_destination', 'conductor_live_migrate_instance',
  ].map((event) => ({ event, result: 'Success', details: null }))),
  'openstack-server-migration-list-json.txt': (c) => expect(() => parseMigrationListJson(c.body)).toThrow(/could not parse migration list: no id column/),
  'openstack-server-migration-list-2.80-json.txt': (c) => expect(parseMigrationListJson(c.body)[0]).toMatchObject({ id: 1, uuid: '5afbdb7d-4e59-4e3b-b52c-f911fedbd5f4', destHost: null, instanceUuid: CIRROS1 }),
  'nova-list-host-compute02.txt': (c) => expect(listNames(c)).toEqual(['cirros1', 'cirros3', 'cirrosdup']),
  'nova-show-nonexistent.txt': empty,
  'nova-show-nonexistent.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(NotFoundError),
  'nova-show-ambiguous.txt': empty,
  'nova-show-ambiguous.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(AmbiguousError),
  'nova-live-migration-ambiguous.txt': empty,
  'nova-live-migration-ambiguous.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(AmbiguousError),
  'nova-live-migration-nonexistent-server.txt': empty,
  'nova-live-migration-nonexistent-server.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(NotFoundError),
  'nova-live-migration-nonexistent-host.txt': empty,
  'nova-live-migration-nonexistent-host.stderr.txt': (c) =>
    expect(novaCliError(c.body, c.exit)).toMatchObject({ kind: 'BadRequest', message: expect.stringMatching(/^Compute host nosuchhost could not be found\. \(HTTP 400\)/) }),
  // Accepted (exit 0, nothing printed): the refusal comes later, in the migration list.
  'nova-live-migration-same-host.txt': empty,
  'nova-migration-list-after-same-host.txt': migrations([[2, 'error', 'compute02', null], [1, 'completed', 'compute01', 'compute02']]),
  'nova-show-cirros3-shutoff.txt': show('compute02', 'SHUTOFF', { powerState: 'Shutdown', vmState: 'stopped' }),
  'nova-live-migration-shutoff.txt': empty,
  'nova-live-migration-shutoff.stderr.txt': (c) =>
    expect(novaCliError(c.body, c.exit)).toMatchObject({ kind: 'Conflict', message: expect.stringMatching(/while it is in vm_state stopped \(HTTP 409\)/) }),
  'openstack-server-show-nonexistent.txt': empty,
  'openstack-server-show-nonexistent.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(NotFoundError),
  'openstack-server-show-ambiguous.txt': empty,
  'openstack-server-show-ambiguous.stderr.txt': (c) => expect(novaCliError(c.body, c.exit)).toBeInstanceOf(AmbiguousError),
  'openstack-server-migrate-live-host-no-microversion.txt': empty,
  'openstack-server-migrate-live-host-no-microversion.stderr.txt': (c) =>
    expect(novaCliError(c.body, c.exit)).toMatchObject({ kind: 'usage', message: expect.stringMatching(/--os-compute-api-version 2\.30 or greater is required when using --host/) }),
  'openstack-server-migrate-live-host-2.30.txt': empty,
  'openstack-server-migrate-live-host-2.30-wait.txt': (c) => expect([c.exit, c.body]).toEqual([0, 'Complete\n']),
  'nova-service-disable-host-binary.txt': empty,
  'nova-service-disable-host-binary.stderr.txt': (c) => {
    expect(c.exit).toBe(2);
    expect(novaCliError(c.body, c.exit)).toMatchObject({ kind: 'usage', message: 'nova rejected the command line: unrecognized arguments: nova-compute' });
  },
  'nova-service-disable-2.52.txt': (c) => expect(parseServiceList(c.body)).toMatchObject([{ host: 'compute01', binary: 'nova-compute', status: 'disabled', disabledReason: 'maintenance' }]),
  'nova-service-disable-uuid.txt': (c) => expect(parseServiceList(c.body)).toMatchObject([{ id: COMPUTE01_SVC, host: 'compute01', status: 'disabled', disabledReason: 'maintenance' }]),
  'nova-service-list-disabled.txt': (c) => expect(services(c)).toContain('nova-compute@compute01 disabled/up (maintenance)'),
  'openstack-compute-service-list-disabled-json.txt': (c) => expect(parseComputeServiceListJson(c.body).find((s) => s.host === 'compute01')).toMatchObject({ status: 'disabled', disabledReason: 'maintenance' }),
  'nova-live-migration-to-disabled-host.txt': empty,
  'nova-show-cirros4-after-failed-migration.txt': show('compute03', 'ACTIVE', { id: CIRROS4, taskState: null, fault: null }),
  'nova-migration-list-after-failed.txt': (c) => expect(parseMigrationList(c.body)[0]).toMatchObject({ id: 6, status: 'error', sourceCompute: 'compute03', destCompute: null, instanceUuid: CIRROS4 }),
  'nova-instance-action-list-cirros4.txt': (c) => expect(parseInstanceActions(c.body).map((a) => [a.action, a.message])).toEqual([['create', null], ['live-migration', 'Error']]),
  'nova-instance-action-cirros4-failed.txt': (c) =>
    expect(parseActionEvents(c.body)).toEqual([{ event: 'conductor_live_migrate_instance', result: 'Error', details: 'No valid host was found.' }]),
  'nova-list-host-compute01-before-evacuate.txt': (c) => expect(listNames(c)).toEqual(['cirros1', 'cirros2']),
  'nova-host-evacuate-live-compute01.txt': (c) =>
    expect(tableRecords(readTable(c.body, 'nova host-evacuate-live')).map((r) => [r['Server UUID'], r['Live Migration Accepted']])).toEqual([[CIRROS1, 'True'], ['6acad6cd-d458-4c23-899d-aef2d4357c40', 'True']]),
  'nova-list-host-compute01-after-evacuate.txt': (c) => expect(parseNovaList(c.body)).toEqual([]),
  'openstack-server-list-host-compute01-empty-json.txt': (c) => expect(parseServerListJson(c.body)).toEqual([]),
  'nova-migration-list-final.txt': (c) => expect(parseMigrationList(c.body).map((m) => m.id)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]),
  'nova-service-enable-uuid.txt': (c) => expect(parseServiceList(c.body)).toMatchObject([{ id: COMPUTE01_SVC, status: 'enabled' }]),
  'nova-service-list-final.txt': (c) => expect(services(c)).toEqual(ALL_UP),
  'nova-service-list-compute03-down.txt': (c) => expect(services(c)).toContain('nova-compute@compute03 enabled/down'),
  'nova-show-cirros4-host-down.txt': (c) => {
    expect(parseNovaShow(c.body)).toMatchObject({ status: 'ACTIVE', host: 'compute03' });
    expect(parseNovaShow(c.body).fields).toContainEqual(['host_status', 'UNKNOWN']);
  },
  'nova-list-host-compute03-down.txt': (c) => expect(parseNovaList(c.body).every((s) => s.status === 'ACTIVE')).toBe(true),
  'nova-live-migration-from-down-host.txt': empty,
  'nova-migration-list-after-down-host.txt': migrations([[9, 'error', 'compute03', null], [6, 'error', 'compute03', null]]),
  'nova-instance-action-list-cirros4-down.txt': (c) => expect(parseInstanceActions(c.body).map((a) => a.message)).toEqual([null, 'Error', 'Error']),
  'nova-hypervisor-list-compute03-down.txt': (c) => expect(parseHypervisorList(c.body)[0]).toMatchObject({ hostname: 'compute03', state: 'down', status: 'enabled' }),
  'nova-service-list-compute03-back.txt': (c) => expect(services(c)).toEqual(ALL_UP),
};

const files = readdirSync(DIR).filter((f) => f !== 'INDEX.md').sort();
const warningsOnly = files.filter((f) => f.endsWith('.stderr.txt') && !(f in CHECKS));

describe('real nova 26 captures through their parsers', () => {
  test.each(Object.keys(CHECKS))('%s', (file) => CHECKS[file]!(load(file)));
});

describe("real nova 26: the deprecation warning on stderr of every successful nova command is not an error", () => {
  test.each(warningsOnly)('%s', (file) => onlyWarning(load(file)));
});

test('no capture of real/nova-26 is left out', () => {
  expect(files.filter((f) => !(f in CHECKS) && !warningsOnly.includes(f))).toEqual([]);
  expect(Object.keys(CHECKS).filter((f) => !files.includes(f))).toEqual([]);
});

test("a value holding ' | ' beside a wide character is cut at the border's stops, counting columns as python's wcwidth does", () => {
  // The captured name row, its name swapped for one of the same display width (云 takes two columns) that holds ' | '.
  const body = load('nova-show-unicode.txt').body.replace('| web-ü-云 ', '| w | ü-云 ');
  const rows = new Map(readTable(body, 'nova show').rows.map(([k, v]) => [k, v]));
  expect(rows.get('name')).toBe('w | ü-云');
  expect(rows.get('OS-EXT-SRV-ATTR:host')).toBe('compute03');
});
