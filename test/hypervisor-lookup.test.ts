/**
 * Finding a compute node's hypervisor and its free RAM / vCPUs the way real nova 26
 * allows it (test/fixtures/real/nova-26): a name is refused from microversion 2.53,
 * figures are gone from 2.88. The captures go through the parsers and the matching;
 * the lab must answer the same way; ferry, over SSH to the lab, must then know the room.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ClusterError, NotFoundError } from '../src/errors.js';
import { freeRoom, hostnamesOf, hypervisorOf, pick } from '../src/cluster/hypervisor-lookup.js';
import { novaCliError, parseHypervisorList, parseHypervisorShow } from '../src/cluster/nova-text.js';
import { planEvacuation } from '../src/cluster/evacuation-plan.js';
import { createLabModel } from '../src/lab/model.js';
import { FIXTURES } from './support/fixtures.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

/** The bytes of a nova-26 capture after its `# ...` header. */
const real = (name: string) => {
  const text = readFileSync(path.join(FIXTURES, 'real', 'nova-26', name), 'utf8');
  return text.slice(text.indexOf('\n\n') + 2);
};
const COMPUTE02 = { name: 'compute02', fqdn: 'compute02.stack' };
const propertyNames = (table: string) => [...table.matchAll(/^\| (\S+) +\| .* \|$/gm)].map((m) => m[1]).filter((p) => p !== 'Property');
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

describe('real nova 26: which hypervisor is compute02, and how much room it has', () => {
  test('hypervisor-list names it by its short hostname, which the FQDN-configured node still matches', () => {
    const listed = parseHypervisorList(real('nova-hypervisor-list.txt')).map((h) => h.hostname);
    expect(listed).toEqual(['compute03', 'compute02', 'compute01']);
    expect(hostnamesOf(listed, COMPUTE02)).toEqual(['compute02']);
    expect(hostnamesOf(listed, { name: 'compute02', fqdn: 'compute02' })).toEqual(['compute02']);
  });

  test('the 2.52 show by name is the node\'s (service host compute02) and has free RAM and vCPUs', () => {
    const h = parseHypervisorShow(real('nova-hypervisor-show-compute02-2.52.txt'));
    expect(pick([h], COMPUTE02)).toBe(h);
    expect(pick([h], { name: 'compute03', fqdn: 'compute03' })).toBeUndefined();
    expect(freeRoom(h)).toEqual({ ramMb: 798464, vcpus: 998 });
  });

  test('the show by UUID at the negotiated microversion has no figures: room stays unknown', () => {
    const h = parseHypervisorShow(real('nova-hypervisor-show-compute02-uuid.txt'));
    expect(h.serviceHost).toBe('compute02');
    expect(freeRoom(h)).toEqual({ ramMb: null, vcpus: null });
  });

  test('a name at the negotiated microversion is a 400, not a "not found" to skip', () => {
    const err = novaCliError(real('nova-hypervisor-show-compute02.stderr.txt'), 1);
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ kind: 'BadRequest', message: expect.stringMatching(/^Invalid uuid compute02 \(HTTP 400\)/) });
  });
});

describe('the lab answers hypervisor commands as nova 26 does', () => {
  const lab = createLabModel({ computes: 3, instances: 3, migrateSeconds: 1 });
  const nova = (line: string) => lab.run('control', `nova ${line}`);

  test('hypervisor-show NAME at the default microversion: the same 400 and exit code', async () => {
    const got = await nova('hypervisor-show compute02.stack');
    const want = real('nova-hypervisor-show-compute02.stderr.txt');
    const mask = (s: string) => s.replace(/req-[0-9a-f-]{36}/, 'req-ID');
    expect(got.exitCode).toBe(1);
    expect(got.stdout).toBe('');
    expect(mask(got.stderr)).toBe(mask(want).replace('Invalid uuid compute02 ', 'Invalid uuid compute02.stack '));
  });

  test('hypervisor-show NAME at 2.52: the properties of the capture, in its order, with the figures', async () => {
    const got = await nova('--os-compute-api-version 2.52 hypervisor-show compute02.stack');
    expect(got.exitCode).toBe(0);
    expect(propertyNames(got.stdout)).toEqual(propertyNames(real('nova-hypervisor-show-compute02-2.52.txt')));
    expect(parseHypervisorShow(got.stdout)).toMatchObject({ id: '2', hostname: 'compute02.stack', serviceHost: 'compute02' });
    expect((await nova('--os-compute-api-version 2.52 hypervisor-show compute02')).stderr).toContain("ERROR (CommandError): No hypervisor with a name or ID of 'compute02' exists.");
  });

  test('hypervisor-show UUID at the default microversion: the properties of the capture', async () => {
    const id = parseHypervisorList((await nova('hypervisor-list')).stdout).find((h) => h.hostname === 'compute02.stack')!.id;
    const got = await nova(`hypervisor-show ${id}`);
    expect(propertyNames(got.stdout)).toEqual(propertyNames(real('nova-hypervisor-show-compute02-uuid.txt')));
  });

  test('hypervisor-list: the table of the capture, row for row', async () => {
    const shape = (s: string) => s.replace(UUID_RE, 'U'.repeat(36)).replace(/compute0\d(\.stack)?/g, (m) => 'c'.repeat(m.length));
    const got = shape((await nova('hypervisor-list')).stdout).split('\n');
    const want = shape(real('nova-hypervisor-list.txt')).split('\n');
    expect(got.slice(0, 3)).toEqual(want.slice(0, 3));
    expect(got).toHaveLength(want.length);
  });
});

describe('ferry knows the room on a target over SSH', () => {
  let f: LabFerry;
  beforeAll(async () => {
    f = await startLabFerry({ computes: 3, instances: 3 });
  });
  afterAll(() => f?.stop());
  afterEach(() => f.undoFaults());

  const room = async (line: string) => {
    const { report } = await f.run(line);
    return { report, row: report.tables.find((t) => t.title === 'Preflight')!.rows.find((r) => r[0] === 'room on compute02') };
  };

  test('/migrate --dry-run: room on compute02 is known, not "capacity unknown (Invalid uuid ...)"', async () => {
    const { row } = await room('/migrate cirros1 compute02 --dry-run');
    expect(row?.slice(1, 3)).toEqual(['PASS', expect.stringMatching(/^\d+ MB and \d+ vCPU free$/)]);
  });

  test('a dry run with a warning says what to look at, not that every check passed', async () => {
    for (let i = 1; i <= 8; i++) await f.lab.fault('control', 'instance-add', `filler${i} compute02`);
    const { report, row } = await room('/migrate cirros1 compute02 --dry-run');
    expect(row?.slice(1, 3)).toEqual(['WARN', expect.stringMatching(/^needs 512 MB \/ 1 vCPU, has \d+ MB \/ 0 vCPU free$/)]);
    expect(report.verdict).toBe('WARN');
    expect(report.reasons.join('\n')).not.toMatch(/every check passed/);
    expect(report.reasons).toContainEqual(expect.stringMatching(/^room on compute02: needs 512 MB/));
  });

  test('a node configured without its FQDN is found through hypervisor-list by its service host', async () => {
    const n = f.lab.calls().length;
    const h = await hypervisorOf(f.rt.cluster.nova, { name: 'compute02', fqdn: 'compute02' });
    expect([h.hostname, h.serviceHost, freeRoom(h).ramMb === null]).toEqual(['compute02.stack', 'compute02', false]);
    expect(f.lab.calls().slice(n).filter((c) => c.argv[0] === 'nova').map((c) => c.argv.join(' '))).toEqual([
      'nova --os-compute-api-version 2.52 hypervisor-show compute02',
      'nova hypervisor-list',
      'nova --os-compute-api-version 2.52 hypervisor-show compute02.stack',
    ]);
  });

  test('an evacuation plan knows the free RAM and vCPUs of every target', async () => {
    const plan = await planEvacuation(f.rt.cluster, { host: 'compute01', reason: 'test' });
    expect(plan.targets.map((t) => [t.host, t.freeRamMb !== null, t.freeVcpus !== null])).toEqual([
      ['compute02', true, true],
      ['compute03', true, true],
    ]);
  });
});
