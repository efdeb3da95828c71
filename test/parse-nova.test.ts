/**
 * Every capture in shared/fixtures/nova goes through its parser: novaclient tables,
 * openstack JSON (which must map to the same values), and the stderr texts, which
 * must become the right typed errors. Synthetic cases at the end cover what the
 * captures lack. NovaOps itself is tested against the lab (cluster-ops.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { AmbiguousError, ClusterError, NotFoundError } from '../src/errors.js';
import {
  parseComputeServiceListJson, parseHypervisorListJson, parseMigrationListJson, parseServerListJson, parseServerShowJson,
} from '../src/cluster/nova-json.js';
import {
  novaCliError, parseHypervisorList, parseHypervisorShow, parseInstanceActions, parseMigrationList, parseNovaList,
  parseNovaShow, parseServiceList, stripNovaNoise,
} from '../src/cluster/nova-text.js';
import type { Server } from '../src/cluster/nova-types.js';
import { FIXTURES } from './support/fixtures.js';


interface Capture {
  name: string;
  command: string;
  exit: number;
  body: string;
}

function load(name: string): Capture {
  const text = readFileSync(path.join(FIXTURES, 'nova', name), 'utf8');
  const split = text.indexOf('\n\n');
  const header = Object.fromEntries(
    text.slice(0, split).split('\n').map((l) => l.match(/^# ([a-z]+): (.*)$/)!.slice(1, 3) as [string, string]),
  );
  return { name, command: header.command!, exit: Number(header.exit), body: text.slice(split + 2) };
}

function errorOf(c: Capture): Error | null {
  return novaCliError(c.body, c.exit);
}

const ID = (n: number) => `2991ad7d-b33e-4d3c-828b-da07338119f${n}`;
const SVC = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;

function expectCirros1(s: Server, where: 'compute01' | 'compute02', migrating = false): void {
  expect(s).toMatchObject({
    id: ID(1), name: 'cirros1', status: migrating ? 'MIGRATING' : 'ACTIVE', taskState: migrating ? 'migrating' : null,
    vmState: 'active', powerState: 'Running', host: where, hypervisorHostname: `${where}.stack`, instanceName: 'instance-00000011',
    flavor: 'm1.tiny', image: 'cirros-0.3.1-x86_64 (f81518a9-9dc2-4a2a-aeaf-331cc074d063)', networks: { admin: ['10.250.0.2'] },
  });
}

/** A stderr capture of a command that succeeded: only the deprecation warning. */
const onlyNoise = (c: Capture) => {
  expect(c.exit).toBe(0);
  expect(c.body).toMatch(/nova CLI is deprecated/);
  expect(stripNovaNoise(c.body)).toBe('');
  expect(errorOf(c)).toBeNull();
};

function expectError(c: Capture, type: new (...a: never[]) => Error, kind?: string, message?: RegExp): void {
  const err = errorOf(c);
  expect(err).toBeInstanceOf(type);
  if (kind) expect((err as ClusterError).kind).toBe(kind);
  if (message) expect(err!.message).toMatch(message);
}

const CASES: Record<string, (c: Capture) => void> = {
  'nova-show.stdout.txt': (c) => {
    const s = parseNovaShow(c.body);
    expectCirros1(s, 'compute01');
    expect(s.updated).toBe('2026-11-24T07:17:53Z');
    expect(s.fields).toHaveLength(49);
    expect(s.fields[0]).toEqual(['OS-DCF:diskConfig', 'MANUAL']);
    expect(s.fields).toContainEqual(['OS-EXT-SRV-ATTR:kernel_id', '']); // empty values stay empty
    expect(s.fields).toContainEqual(['OS-EXT-STS:task_state', '-']); // fields are as printed
  },
  'nova-show-by-id.stdout.txt': (c) => expect(parseNovaShow(c.body)).toEqual(parseNovaShow(load('nova-show.stdout.txt').body)),
  'nova-show-migrating.stdout.txt': (c) => expectCirros1(parseNovaShow(c.body), 'compute01', true),
  'nova-show-after-migration.stdout.txt': (c) => {
    expectCirros1(parseNovaShow(c.body), 'compute02');
    expect(parseNovaShow(c.body).updated).toBe('2026-11-24T23:19:54Z');
  },
  'nova-show-ambiguous.stderr.txt': (c) => expectError(c, AmbiguousError, undefined, /Multiple server matches found for 'dup'/),
  'nova-show-missing.stderr.txt': (c) => expectError(c, NotFoundError, undefined, /No server with a name or ID of 'nosuchvm' exists/),
  'nova-list.stdout.txt': (c) => {
    const rows = parseNovaList(c.body);
    expect(rows.map((r) => r.name)).toEqual(['cirros1', 'cirros2', 'cirros3', 'cirros4', 'dup', 'dup']);
    expect(rows[2]).toEqual({ id: ID(3), name: 'cirros3', status: 'SHUTOFF', taskState: null, powerState: 'Shutdown', networks: { admin: ['10.250.0.4'] }, host: null, tenantId: null });
  },
  'nova-list-host.stdout.txt': (c) => {
    const rows = parseNovaList(c.body);
    expect(rows.map((r) => [r.name, r.status, r.powerState])).toEqual([['cirros1', 'ACTIVE', 'Running'], ['cirros2', 'ACTIVE', 'Running'], ['cirros3', 'SHUTOFF', 'Shutdown']]);
    expect(rows.every((r) => r.tenantId === 'b5db61c3fa3845848b0f15c010dd500c')).toBe(true);
  },
  'nova-service-list.stdout.txt': (c) => {
    const svcs = parseServiceList(c.body);
    expect(svcs.map((s) => [s.binary, s.host])).toEqual([
      ['nova-scheduler', 'control'], ['nova-conductor', 'control'], ['nova-compute', 'compute01'], ['nova-compute', 'compute02'], ['nova-compute', 'compute03'],
    ]);
    expect(svcs[2]).toEqual({ id: SVC(3), binary: 'nova-compute', host: 'compute01', zone: 'nova', status: 'enabled', state: 'up', updatedAt: '2026-11-24T07:17:50.000000', disabledReason: null, forcedDown: false });
  },
  'nova-service-list-compute01.stdout.txt': (c) => expect(parseServiceList(c.body)).toEqual([parseServiceList(load('nova-service-list.stdout.txt').body)[2]]),
  'nova-service-list-disabled.stdout.txt': (c) =>
    expect(parseServiceList(c.body).map((s) => [s.host, s.status, s.disabledReason])).toEqual([
      ['compute01', 'disabled', 'maintenance'], ['compute02', 'enabled', null], ['compute03', 'enabled', null],
    ]),
  'nova-service-disable.stdout.txt': (c) =>
    expect(parseServiceList(c.body)).toEqual([{ id: SVC(3), binary: 'nova-compute', host: 'compute01', zone: null, status: 'disabled', state: null, updatedAt: null, disabledReason: 'maintenance', forcedDown: null }]),
  'nova-service-enable.stdout.txt': (c) => expect(parseServiceList(c.body)[0]).toMatchObject({ id: SVC(3), status: 'enabled', disabledReason: null }),
  'nova-service-disable-old-syntax.stderr.txt': (c) => expectError(c, ClusterError, 'usage', /unrecognized arguments: nova-compute/),
  'nova-hypervisor-list.stdout.txt': (c) =>
    expect(parseHypervisorList(c.body).map((h) => [h.id.slice(-2), h.hostname, h.state, h.status])).toEqual([
      ['64', 'compute01.stack', 'up', 'enabled'], ['65', 'compute02.stack', 'up', 'enabled'], ['66', 'compute03.stack', 'up', 'enabled'],
    ]),
  'nova-hypervisor-show.stdout.txt': (c) => {
    const h = parseHypervisorShow(c.body);
    expect(h).toEqual({
      id: '00000000-0000-0000-0000-000000000065', hostname: 'compute02.stack', state: 'up', status: 'enabled', type: 'QEMU', hostIp: '198.18.0.12',
      serviceHost: 'compute02', serviceId: SVC(4), serviceDisabledReason: null,
    });
    expect(h.freeRamMb).toBeUndefined(); // 2.88+: no RAM/vCPU figures
  },
  'nova-hypervisor-show-2.87.stdout.txt': (c) =>
    expect(parseHypervisorShow(c.body)).toMatchObject({
      hostname: 'compute02.stack', serviceHost: 'compute02', freeRamMb: 14848, memoryMb: 16384, memoryMbUsed: 1536, vcpus: 8, vcpusUsed: 2, runningVms: 2, freeDiskGb: 98, diskAvailableLeast: 90,
    }),
  'nova-instance-action-list.stdout.txt': (c) =>
    expect(parseInstanceActions(c.body)).toEqual([
      { action: 'create', requestId: 'req-c80f0f41-1eb3-4a6c-80f8-41208dafa195', message: null, startTime: '2026-11-24T06:21:27.000000', updatedAt: '2026-11-24T06:21:40.000000' },
      { action: 'live-migration', requestId: 'req-edbd98a8-dde2-4335-8ebb-d32c64651c48', message: null, startTime: '2026-11-24T23:19:50.000000', updatedAt: '2026-11-24T23:19:50.000000' },
    ]),
  'nova-live-migration-missing.stderr.txt': (c) => expectError(c, NotFoundError, undefined, /'nosuchvm'/),
  'nova-live-migration-nosuchhost.stderr.txt': (c) => expectError(c, ClusterError, 'BadRequest', /^Compute host compute09 could not be found\. \(HTTP 400\)$/),
  'nova-live-migration-samehost.stderr.txt': (c) => expectError(c, ClusterError, 'BadRequest', /to current host \(compute01\)/),
  'nova-live-migration-shutoff.stderr.txt': (c) => expectError(c, ClusterError, 'Conflict', /while it is in vm_state stopped \(HTTP 409\)/),
  'nova-migration-list-running.stdout.txt': (c) =>
    expect(parseMigrationList(c.body)).toEqual([{
      id: 1, uuid: '2be1b593-1dbb-41ad-bf3c-f6d05f84fe1d', sourceNode: 'compute01.stack', destNode: 'compute02.stack', sourceCompute: 'compute01',
      destCompute: 'compute02', destHost: '198.18.0.12', status: 'running', instanceUuid: ID(1), type: 'live-migration',
      createdAt: '2026-11-24T23:19:50.000000', updatedAt: null, oldFlavor: '1', newFlavor: '1',
      projectId: 'b5db61c3fa3845848b0f15c010dd500c', userId: '8f5b56a6a51c45338b0c1ba7cd7d9ebb',
    }]),
  'nova-migration-list.stdout.txt': (c) => expect(parseMigrationList(c.body)[0]).toMatchObject({ status: 'completed', updatedAt: '2026-11-24T23:19:54.000000', destCompute: 'compute02' }),
  'nova-server-migration-list.stdout.txt': (c) =>
    expect(parseMigrationList(c.body)).toEqual([expect.objectContaining({
      id: 1, uuid: null, status: 'running', instanceUuid: ID(1), type: null, sourceCompute: 'compute01', destCompute: 'compute02',
      memory: { totalBytes: 536870912, processedBytes: 268435456, remainingBytes: 268435456 }, disk: { totalBytes: 0, processedBytes: 0, remainingBytes: 0 },
    })]),
  'openstack-server-show.stdout.txt': (c) => {
    const json = parseServerShowJson(c.body);
    expectCirros1(json, 'compute02');
    // The same instance after its migration, as novaclient printed it.
    const text = parseNovaShow(load('nova-show-after-migration.stdout.txt').body);
    const { fields: _jf, ...j } = json;
    const { fields: _tf, ...t } = text;
    expect(j).toEqual(t);
    expect(json.fields).toContainEqual(['OS-EXT-STS:task_state', '-']);
  },
  'openstack-server-show-missing.stderr.txt': (c) => expectError(c, NotFoundError, undefined, /'nosuchvm'/),
  'openstack-server-list-host.stdout.txt': (c) =>
    expect(parseServerListJson(c.body)).toEqual([
      { id: ID(2), name: 'cirros2', status: 'ACTIVE', taskState: null, powerState: 'Running', networks: { admin: ['10.250.0.3'] }, host: 'compute01', tenantId: null },
      { id: ID(3), name: 'cirros3', status: 'SHUTOFF', taskState: null, powerState: 'Shutdown', networks: { admin: ['10.250.0.4'] }, host: 'compute01', tenantId: null },
    ]),
  'openstack-compute-service-list.stdout.txt': (c) => {
    // Same services as `nova service-list`; the JSON lacks Disabled Reason and Forced down (no --long).
    const strip = <T extends { disabledReason: unknown; forcedDown: unknown }>(s: T) => ({ ...s, disabledReason: null, forcedDown: null });
    expect(parseComputeServiceListJson(c.body).map(strip)).toEqual(parseServiceList(load('nova-service-list.stdout.txt').body).map(strip));
  },
  'openstack-hypervisor-list.stdout.txt': (c) => {
    const json = parseHypervisorListJson(c.body);
    const text = parseHypervisorList(load('nova-hypervisor-list.stdout.txt').body);
    expect(json.map((h) => [h.id, h.hostname, h.state])).toEqual(text.map((h) => [h.id, h.hostname, h.state]));
    expect(json[1]).toMatchObject({ type: 'QEMU', hostIp: '198.18.0.12', status: null });
  },
  'openstack-server-migration-list.stdout.txt': (c) => {
    const [done, running] = parseMigrationListJson(c.body);
    const text = parseMigrationList(load('nova-migration-list.stdout.txt').body)[0]!;
    expect(done).toEqual({ ...text, projectId: null, userId: null }); // the JSON has no project/user columns
    expect(running).toMatchObject({ id: 2, status: 'running', instanceUuid: ID(2), destCompute: 'compute03', updatedAt: null });
  },
  'openstack-server-migrate-live.stdout.txt': (c) => expect([c.exit, c.body]).toEqual([0, '']),
};

const files = readdirSync(path.join(FIXTURES, 'nova')).sort();

describe('every nova/openstack capture', () => {
  test('has a case in this table (stderr of a successful nova command: the warning only)', () => {
    const unhandled = files.filter((f) => !CASES[f] && !(f.endsWith('.stderr.txt') && load(f).exit === 0));
    expect(files.length).toBeGreaterThan(50);
    expect(unhandled).toEqual([]);
  });

  test.each(files)('%s', (file) => {
    const capture = load(file);
    const handler = CASES[file] ?? (file.endsWith('.stderr.txt') && capture.exit === 0 ? onlyNoise : undefined);
    expect(handler, `no case for ${file}`).toBeDefined();
    handler!(capture);
  });
});

const TABLE = (rows: string[][], widths: number[]) => {
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [border, line(rows[0]!), border, ...rows.slice(1).map(line), border, ''].join('\n');
};

describe('synthetic output the captures do not show', () => {
  test('a multi-line value continues on rows with an empty Property column', () => {
    // novaclient prints a value containing newlines (a fault's details) one line a row.
    const out = TABLE([
      ['Property', 'Value'], ['fault', '{"code": 500, "message": "No valid host'], ['', 'was found.", "details": "Traceback'], ['', '  File x"}'],
      ['id', ID(1)], ['name', 'cirros1'], ['status', 'ERROR'], ['OS-EXT-STS:power_state', '0'],
    ], [22, 45]);
    const s = parseNovaShow(out);
    expect(s.fields[0]).toEqual(['fault', '{"code": 500, "message": "No valid host\nwas found.", "details": "Traceback\n  File x"}']);
    // A non-admin sees no OS-EXT-SRV-ATTR rows: host is null rather than an error.
    expect(s).toMatchObject({ status: 'ERROR', powerState: 'NOSTATE', host: null, hypervisorHostname: null, taskState: null, flavor: null });
  });

  test('an empty list is a table with no rows; several networks; a wide-character name', () => {
    expect(parseNovaList(TABLE([['ID', 'Name', 'Status', 'Task State', 'Power State', 'Networks']], [36, 4, 6, 10, 11, 8]))).toEqual([]);
    // prettytable pads by display width: '数据库' is 3 characters but 6 columns wide, so this row does not line up.
    const out = TABLE([['ID', 'Name', 'Status', 'Task State', 'Power State', 'Networks'], [ID(7), 'db', 'ACTIVE', '-', 'Running', 'a=10.0.0.1, fd00::1; b=192.168.0.9']], [36, 6, 6, 10, 11, 36])
      .replace('| db     |', '| 数据库 |');
    expect(parseNovaList(out)[0]).toMatchObject({ name: '数据库', networks: { a: ['10.0.0.1', 'fd00::1'], b: ['192.168.0.9'] } });
  });

  test('a hypervisor-show without the service rows (old microversion) leaves them null', () => {
    const out = TABLE([['Property', 'Value'], ['hypervisor_hostname', 'compute02.stack'], ['id', '2'], ['state', 'up'], ['status', 'disabled'], ['vcpus', '8']], [20, 16]);
    expect(parseHypervisorShow(out)).toEqual({ id: '2', hostname: 'compute02.stack', state: 'up', status: 'disabled', type: null, hostIp: null, serviceHost: null, serviceId: null, serviceDisabledReason: null, vcpus: 8 });
  });

  test('openstack CLI error texts', () => {
    expect(novaCliError("More than one server exists with the name 'dup'.\n", 1)).toBeInstanceOf(AmbiguousError);
    expect(novaCliError('Cannot live migrate: instance is locked (HTTP 409) (Request-ID: req-1)\n', 1)).toMatchObject({ kind: 'Conflict' });
    expect(novaCliError('ERROR (NotFound): Hypervisor compute09 could not be found. (HTTP 404)\n', 1)).toBeInstanceOf(NotFoundError);
    expect(novaCliError('Traceback (most recent call last):\n  oops\n', 1)).toBeNull(); // unknown: NovaOps reports the raw failure
  });

  test('a malformed table or JSON is an unparsable ClusterError', () => {
    expect(() => parseNovaList('No servers\n')).toThrow(ClusterError);
    expect(() => parseServerShowJson('{"id": ')).toThrow(/could not parse openstack server show/);
    expect(() => parseServiceList(TABLE([['Id', 'Binary', 'Host', 'Status'], ['1', 'nova-compute', 'c1', 'broken']], [2, 12, 2, 6]))).toThrow(/unexpected "broken"/);
  });
});
