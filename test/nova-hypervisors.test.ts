/**
 * /nova hypervisors through the real path (router → SSH → lab): one row per compute with
 * nova's own figures, and "unknown" where nova-compute is down rather than a stale number.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 1 });
});
afterAll(() => f?.stop());
afterEach(() => f.undoFaults());

const table = (r: { tables: { title: string; columns: string[]; rows: string[][] }[] }) => r.tables.find((t) => t.title === 'Hypervisors')!;

describe('/nova hypervisors', () => {
  test('a healthy lab: every compute up and enabled, with its running VMs, free RAM and vCPUs', async () => {
    const { report } = await f.run('/nova hypervisors');
    expect(report.verdict).toBe('OK');
    const t = table(report);
    expect(t.columns).toEqual(['Compute', 'State', 'Status', 'Running VMs', 'Free RAM', 'Free vCPUs']);
    expect(t.rows.map((r) => r[0])).toEqual(['compute01', 'compute02', 'compute03']);
    const servers = await f.rt.cluster.nova.list({ allTenants: true });
    for (const [name, state, status, vms, ram, vcpus] of t.rows) {
      expect([state, status]).toEqual(['up', 'enabled']);
      // The same figures nova gives for that hypervisor at 2.52.
      const h = await f.rt.cluster.nova.hypervisor(`${name}.stack`, { microversion: '2.52' });
      expect(vms).toBe(String(h.runningVms));
      expect(ram).toBe(`${h.freeRamMb} MB`);
      expect(vcpus).toBe(String(h.vcpus! - h.vcpusUsed!));
    }
    expect(t.rows.reduce((n, r) => n + Number(r[3]), 0)).toBe(servers.length);
  });

  test('a compute whose nova-compute is down shows down and unknown figures; the others keep theirs', async () => {
    await f.fault('compute03', 'nova-compute-down', ['nova-compute-up']);
    const { report } = await f.run('/nova hypervisors');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toContain('compute03: nova-compute is down; its figures are unknown');
    const rows = new Map(table(report).rows.map((r) => [r[0]!, r.slice(1)]));
    expect(rows.get('compute03')).toEqual(['down', 'enabled', 'unknown', 'unknown', 'unknown']);
    expect(rows.get('compute01')![0]).toBe('up');
    expect(rows.get('compute01')![3]).toMatch(/^\d+ MB$/);
  });
});
