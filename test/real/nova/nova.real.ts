/**
 * ferry's nova commands against a real Nova (npm run test:real -- nova): every answer compared
 * with what the openstack CLI says directly on the bed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startNovaBed, openstack, openstackSet, nova, type NovaBed } from './bed.js';
import { waitUntil } from '../support/bed.js';

let bed: NovaBed;

interface ServerTruth {
  id: string;
  name: string;
  status: string;
  'OS-EXT-SRV-ATTR:host': string | null;
  'OS-EXT-STS:task_state': string | null;
  fault?: { message: string };
}
interface MigrationTruth {
  Id: number;
  Status: string;
  'Source Compute': string;
  'Dest Compute': string;
  Type: string;
}
const show = (ref: string) => openstack<ServerTruth>(['server', 'show', ref]);
const migrations = (id: string) => openstack<MigrationTruth[]>(['--os-compute-api-version', '2.59', 'server', 'migration', 'list', '--server', id]);
const boot = (name: string, flags: string[]) => nova(['boot', '--flavor', 'm1.tiny', '--image', 'cirros', '--nic', 'none', ...flags, name]);
const settled = (s: ServerTruth) => (s.status === 'ACTIVE' || s.status === 'ERROR') && !s['OS-EXT-STS:task_state'];

beforeAll(async () => {
  bed = await startNovaBed();
  console.log(`real nova bed up in ${bed.upSeconds.toFixed(0)} s`);
  // mover on compute01, three to evacuate from compute02, and one no host can hold.
  await Promise.all([
    boot('mover', ['--availability-zone', 'nova:compute01']),
    boot('evac', ['--availability-zone', 'nova:compute02', '--min-count', '3']),
    nova(['boot', '--flavor', 'm1.enormous', '--image', 'cirros', '--nic', 'none', 'too-big']),
  ]);
  await waitUntil('every server built', async () => (await openstack<{ ID: string }[]>(['server', 'list'])).length === 5 && (await Promise.all(['mover', 'evac-1', 'evac-2', 'evac-3', 'too-big'].map(show))).every(settled), 600_000);
}, 1_500_000);
afterAll(async () => {
  await bed?.stop();
}, 300_000);

describe('ferry against a real Nova (Zed, fake live-migrating computes)', () => {
  test('/nova services lists the services nova has, enabled and up as nova says', async () => {
    const [a, truth] = await Promise.all([bed.ferry('/nova services'), openstack<Record<string, string>[]>(['compute', 'service', 'list'])]);
    expect(a.report.verdict).toBe('OK');
    const rows = a.table('Services').map((r) => r.slice(0, 5).join(' ')).sort();
    expect(rows).toEqual(truth.map((s) => [s.Binary, s.Host, s.Zone, s.Status, s.State].join(' ')).sort());
    expect(rows.filter((r) => r.startsWith('nova-compute '))).toHaveLength(3);
  });

  test('/nova list shows every server with the status nova has', async () => {
    const [a, truth] = await Promise.all([bed.ferry('/nova list'), openstack<{ ID: string; Name: string; Status: string }[]>(['server', 'list', '--all-projects'])]);
    expect(a.table('Instances').map((r) => [r[0], r[1], r[2]].join(' ')).sort()).toEqual(truth.map((s) => [s.Name, s.ID, s.Status].join(' ')).sort());
    expect(truth.find((s) => s.Name === 'too-big')?.Status).toBe('ERROR');
  });

  test('/nova show of a server nova could not place says ERROR and gives nova\'s fault', async () => {
    const [a, truth] = await Promise.all([bed.ferry('/nova show too-big'), show('too-big')]);
    expect(truth.status).toBe('ERROR');
    const first = Object.fromEntries(a.table('First look'));
    expect(first.status).toBe('ERROR');
    expect(a.report.verdict).not.toBe('OK');
    expect(JSON.stringify(a.report)).toContain(truth.fault!.message);
  });

  test('/migrate moves a server for real and says so only once nova shows it on the target', async () => {
    const before = await show('mover');
    expect(before['OS-EXT-SRV-ATTR:host']).toBe('compute01');
    const a = await bed.ferry('/migrate mover compute03', 'U_OPS');
    const [after, migs] = await Promise.all([show('mover'), migrations(before.id)]);
    expect(after.status).toBe('ACTIVE');
    expect(after['OS-EXT-SRV-ATTR:host']).toBe('compute03');
    expect(migs).toHaveLength(1);
    expect(migs[0]).toMatchObject({ Status: 'completed', 'Source Compute': 'compute01', 'Dest Compute': 'compute03', Type: 'live-migration' });
    expect(a.report.verdict).toBe('OK');
    expect(a.report.title).toBe('Migrated mover to compute03');
    expect(Object.fromEntries(a.table('Before / after').map((r) => [r[0], r[2]])).host).toBe('compute03');
  });

  test('a forced /migrate to a disabled host: nova accepts it, then fails it; ferry says FAIL and the server stays', async () => {
    const before = await show('mover');
    const { id } = before;
    const host = before['OS-EXT-SRV-ATTR:host']!;
    const target = host === 'compute01' ? 'compute03' : 'compute01';
    const known = (await migrations(id)).length;
    await openstackSet(['compute', 'service', 'set', '--disable', '--disable-reason', 'real-nova test', target, 'nova-compute']);
    try {
      const refused = await bed.ferry(`/migrate mover ${target}`, 'U_ADMIN');
      expect(refused.report.verdict).toBe('FAIL');
      expect(refused.report.reasons.join('\n')).toMatch(/disabled/);
      expect((await migrations(id)).length).toBe(known);

      const a = await bed.ferry(`/migrate mover ${target} --force`, 'U_ADMIN');
      const [after, migs] = await Promise.all([show('mover'), migrations(id)]);
      expect(after.status).toBe('ACTIVE');
      expect(after['OS-EXT-SRV-ATTR:host']).toBe(host);
      expect(migs.length).toBe(known + 1);
      const newest = migs.reduce((x, y) => (y.Id > x.Id ? y : x));
      expect(newest.Status).toBe('error');
      expect(a.report.verdict).toBe('FAIL');
      expect(JSON.stringify(a.report)).toContain(host);
    } finally {
      await openstackSet(['compute', 'service', 'set', '--enable', target, 'nova-compute']);
    }
  });

  test('a forced /migrate to the host the server is on: ferry says FAIL and nothing moves', async () => {
    const before = await show('mover');
    const host = before['OS-EXT-SRV-ATTR:host']!;
    const a = await bed.ferry(`/migrate mover ${host} --force`, 'U_ADMIN');
    const after = await show(before.id);
    expect(a.report.verdict).toBe('FAIL');
    expect(after.status).toBe('ACTIVE');
    expect(after['OS-EXT-SRV-ATTR:host']).toBe(host);
    expect((await migrations(before.id)).every((m) => m.Status === 'completed' || m.Status === 'error')).toBe(true);
  });

  test('an approved /evacuate moves every server off the host, each where nova shows it', async () => {
    const asked = await bed.ferry('/evacuate compute02', 'U_OPS');
    expect(asked.report.approval?.id).toBeTruthy();
    const done = await bed.approve(asked.report.approval!.id, 'U_APPROVER');
    const truth = await Promise.all(['evac-1', 'evac-2', 'evac-3'].map(show));
    for (const s of truth) {
      expect(s.status).toBe('ACTIVE');
      expect(s['OS-EXT-SRV-ATTR:host']).not.toBe('compute02');
      const migs = await migrations(s.id);
      expect(migs.filter((m) => m.Status === 'completed' && m['Source Compute'] === 'compute02' && m['Dest Compute'] === s['OS-EXT-SRV-ATTR:host'])).toHaveLength(1);
    }
    expect(done.report.verdict).toBe('OK');
    const rows = done.table('Instances');
    expect(rows.map((r) => [r[0], r[1]]).sort()).toEqual(truth.map((s) => [s.name, `compute02 → ${s['OS-EXT-SRV-ATTR:host']}`]).sort());
  });
});
