/**
 * /nova show tells what nova says, through the real path (Slack line → router → SSH → lab):
 * an ERROR server's fault (capture nova-show-err) and a name nova accepts however it is
 * spelled (capture nova-show-unicode).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 1 });
});
afterAll(() => f?.stop());

const allFields = (r: { tables: { title: string; rows: string[][] }[] }) => new Map(r.tables.find((t) => t.title === 'All fields (nova show)')!.rows.map(([k, v]) => [k!, v!]));

describe('/nova show', () => {
  test("an ERROR server is headlined with nova's fault message, and the whole multi-line fault survives", async () => {
    await f.lab.fault('control', 'instance-state', 'cirros2 ERROR');
    const { report } = await f.run('/nova show cirros2');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons[0]).toMatch(/^ERROR on compute01, power NOSTATE: No valid host was found\. \(fault 500, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/);
    // The fault's JSON, with its traceback's blank lines (the table reader used to drop them).
    const fault = JSON.parse(allFields(report).get('fault')!.replace(/\n/g, '\\n')) as { details: string };
    expect(fault.details.split('\n')).toHaveLength(19);
    expect(fault.details).toMatch(/most recent call last\):\n\n {2}File .*\n {4}return func\(\*args, \*\*kwargs\)\n {11}\^+\n\n {2}File /);
    expect(fault.details.endsWith('nova.exception.NoValidHost: No valid host was found.\n\n')).toBe(true);
  });

  test('asked by many at once, each gets the instance, and the control node runs nova show fewer times than asked', async () => {
    const since = Date.now();
    const answers = await Promise.all(Array.from({ length: 24 }, () => f.run('/nova show cirros1')));
    for (const { report } of answers) expect(report.title).toMatch(/^Instance cirros1 \([0-9a-f-]{36}\)$/);
    // Reads that waited together for one of the control node's 16 channels shared a run; each run starts a python nova client on the control node.
    const runs = f.lab.calls().filter((c) => c.at >= since && c.argv.join(' ') === 'nova show cirros1');
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.length).toBeLessThan(24);
  });

  test('a name with non-ASCII and wide characters is addressable, and the list around it parses', async () => {
    await f.lab.fault('control', 'instance-add', 'web-ü-云 compute03');
    const { report } = await f.run("/nova show 'web-ü-云'");
    expect(report.title).toMatch(/^Instance web-ü-云 \([0-9a-f-]{36}\)$/);
    expect(report.reasons[0]).toBe('ACTIVE on compute03, power Running');
    // The lab saw the name byte for byte.
    expect(f.lab.calls().some((c) => c.argv.join(' ') === 'nova show web-ü-云')).toBe(true);
    const list = await f.rt.cluster.nova.list({ allTenants: true });
    expect(list.map((s) => s.name)).toContain('web-ü-云');
    expect(list.find((s) => s.name === 'web-ü-云')).toMatchObject({ status: 'ACTIVE', powerState: 'Running' });
  });

  test('a name with spaces or shell characters is a name; a leading dash or a control character is refused before nova is asked', async () => {
    const calls = f.lab.calls().length;
    const missing = await f.run(`/nova show "my vm; rm -rf /"`);
    expect(reportText(missing.report)).toMatch(/No server with a name or ID of 'my vm; rm -rf \/' exists/);
    expect(f.lab.calls().length).toBeGreaterThan(calls);
    const before = f.lab.calls().length;
    for (const line of ['/nova show -- -rf', '/nova show "a\u0007b"']) {
      const { report } = await f.run(line);
      expect(reportText(report)).toMatch(/expected an instance name or UUID/);
    }
    expect(f.lab.calls().length).toBe(before);
  });
});

describe('the same name rule for /migrate', () => {
  test('/migrate takes the non-ASCII name to its preflight', async () => {
    const { report } = await f.run("/migrate 'web-ü-云' compute02 --dry-run");
    expect(report.title).toBe('Preflight (dry run): web-ü-云 → compute02');
  });
});
