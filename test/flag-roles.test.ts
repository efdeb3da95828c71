import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { commands } from '../commands/index.js';
import { Roles, type Role } from '../src/config.js';
import { LAB_USERS } from '../src/lab/lab.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 1, redis: true });
});
afterAll(() => f?.stop());

/** Every flag of the catalog that declares a role, with a line that gives it. */
const roleFlags = commands.flatMap((c) =>
  Object.entries(c.flags ?? {})
    .filter(([, spec]) => spec.role)
    .map(([flag, spec]) => {
      const example = c.examples.find((e) => e.split(/\s+/).includes(`--${flag}`));
      const line = example ?? `${c.examples[0]} --${flag}${spec.type === 'string' ? ' x' : ''}`;
      return { command: c.name, flag, role: spec.role as Role, line };
    }),
);

describe('a flag that declares a role is enforced by the dispatcher, for every command', () => {
  test('the catalog declares --force on /migrate as admin', () => {
    expect(roleFlags).toContainEqual(expect.objectContaining({ command: 'migrate', flag: 'force', role: 'admin' }));
  });

  test.each(roleFlags)('/$command --$flag is refused to a caller below $role, nothing runs, and the refusal is audited', async ({ command, flag, role, line }) => {
    const below = Roles.slice(0, Roles.indexOf(role));
    expect(below.length).toBeGreaterThan(0);
    for (const r of below) {
      const calls = f.lab.calls().length;
      const { report, ephemeral } = await f.run(line, LAB_USERS[r]);
      expect(ephemeral).toBe(true);
      expect(report.verdict).toBe('FAIL');
      // Refused before run(): the cluster was not asked anything.
      expect(f.lab.calls().length).toBe(calls);
      const [entry] = await f.rt.audit.recent(1);
      expect(entry).toMatchObject({ user: LAB_USERS[r], command, outcome: 'refused' });
      // A caller below the command's own role is refused for the command; everyone else for the flag.
      const forCommand = Roles.indexOf(r) < Roles.indexOf(commands.find((c) => c.name === command)!.role);
      if (!forCommand) {
        expect(report.reasons).toEqual([`--${flag} on /${command} needs the ${role} role; you have ${r}; nothing was run`]);
        expect(entry!.detail).toBe(report.reasons[0]);
      }
    }
  });

  test('/migrate --force by an operator: one clear line, no preflight, no migration, audited', async () => {
    const { report } = await f.run('/migrate cirros1 compute02 --force', 'U_OPS');
    expect(report.title).toBe('Not allowed');
    expect(report.reasons).toEqual(['--force on /migrate needs the admin role; you have operator; nothing was run']);
    expect(f.liveMigrations()).toHaveLength(0);
    expect(f.lab.calls().filter((c) => c.argv[0] === 'nova')).toHaveLength(0);
    const [entry] = await f.rt.audit.recent(1);
    expect(entry).toMatchObject({ user: 'U_OPS', command: 'migrate', outcome: 'refused', line: '/migrate cirros1 compute02 --force' });
    expect(entry!.detail).toMatch(/--force .*admin/);
  });

  test("an admin's --force runs, and the audit entry names the flag and the role", async () => {
    const { report } = await f.run('/migrate cirros1 compute02 --force --dry-run', 'U_ADMIN');
    expect(report.verdict).toBe('OK');
    const [entry] = await f.rt.audit.recent(1);
    expect(entry).toMatchObject({ user: 'U_ADMIN', command: 'migrate', outcome: 'ok' });
    expect(entry!.detail).toMatch(/^--force \(admin\) by admin/);
  });
});
