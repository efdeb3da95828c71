/**
 * Help where you are, through the real entry point (dispatch with a lab behind it):
 * `/<command> help` shows that command's usage, examples and role, only to the caller;
 * a mistyped sub-command is answered with the closest one and the family's usages, one a line.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commands } from '../commands/index.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 2, instances: 1, migrateSeconds: 1 });
});
afterAll(() => f?.stop());

const table = (r: { tables: { title: string; rows: string[][] }[] }, title: string) => r.tables.find((t) => t.title === title)?.rows ?? [];

describe('help where you are', () => {
  test('/migrate help: its usage, role and every example, ephemeral, and nothing runs on the cluster', async () => {
    const n = f.lab.calls().length;
    const out = await f.run('/migrate help', 'U_VIEWER');
    const migrate = commands.filter((c) => c.name.split(' ')[0] === 'migrate');
    expect(out.ephemeral).toBe(true);
    expect(out.report.verdict).not.toBe('FAIL');
    expect(table(out.report, 'Commands')).toEqual(migrate.map((c) => [c.usage, c.summary, c.role, expect.any(String)]));
    expect(table(out.report, 'Commands')[0]!.slice(0, 3)).toEqual(['/migrate <instance> <target-host> [--dry-run] [--force]', 'Live-migrate one instance after preflight checks', 'operator']);
    expect(table(out.report, 'Examples').map((r) => r[0])).toEqual(migrate.flatMap((c) => c.examples));
    expect(f.lab.calls()).toHaveLength(n);
  });

  for (const family of ['gluster', 'nova', 'evacuate', 'ferry']) {
    test(`/${family} help lists each of its commands with usage, role and examples`, async () => {
      const own = commands.filter((c) => c.name.split(' ')[0] === family);
      const { report } = await f.run(`/${family} help`, 'U_VIEWER');
      const rows = table(report, 'Commands');
      // /ferry help is the whole catalog; the others are their own family.
      const listed = family === 'ferry' ? commands : own;
      expect(rows.map((r) => [r[0], r[2]])).toEqual(listed.map((c) => [c.usage, c.role]));
      expect(table(report, 'Examples').map((r) => r[0])).toEqual(listed.flatMap((c) => c.examples));
    });
  }

  test('/gluster volume create help is the help of that one command', async () => {
    const { report } = await f.run('/gluster volume create help', 'U_VIEWER');
    expect(table(report, 'Commands').map((r) => r[0])).toEqual([commands.find((c) => c.name === 'gluster volume create')!.usage]);
  });

  test('/gluster stauts: did you mean /gluster status?, and the usages one a line', async () => {
    const out = await f.run('/gluster stauts', 'U_VIEWER');
    expect(out.ephemeral).toBe(true);
    expect(out.report.reasons).toEqual(['unknown command /gluster stauts — did you mean /gluster status?']);
    const usages = commands.filter((c) => c.name.startsWith('gluster ')).map((c) => `  ${c.usage}`);
    expect(out.report.notes).toEqual(['usage:', ...usages]);
  });

  test('/nova hypervisor and /evacuate stauts find their nearest command; nonsense gets a pointer to help', async () => {
    expect((await f.run('/nova hypervisor', 'U_VIEWER')).report.reasons[0]).toMatch(/did you mean \/nova hypervisors\?$/);
    expect((await f.run('/evacuate stauts 3', 'U_VIEWER')).report.reasons[0]).toMatch(/did you mean \/evacuate status\?$/);
    expect((await f.run('/nova zzzzzzzzz', 'U_VIEWER')).report.reasons[0]).toBe('unknown command /nova zzzzzzzzz — try /nova help');
  });
});
