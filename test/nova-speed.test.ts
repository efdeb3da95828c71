/**
 * The real nova CLI costs seconds per call. ferry gives it its own timeout, names a
 * slow call in the report, asks independent questions together and fewer of them.
 * The control node is slowed with the lab's `slow MS` fault; call order and times
 * come from the lab's own record of what it was asked.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseNovaShow } from '../src/cluster/nova-text.js';
import { createLabModel } from '../src/lab/model.js';
import type { LabCall } from '../src/lab/types.js';
import { FIXTURES } from './support/fixtures.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 3, redis: true, env: {} });
});
afterAll(() => f?.stop());
afterEach(() => f.undoFaults());

const novaCalls = (since: number): LabCall[] => f.lab.calls().slice(since).filter((c) => c.argv[0] === 'nova');
const line = (c: LabCall) => c.argv.join(' ');
/** With every control call delayed by `ms`, two calls asked together reach nova well within `ms` of each other. */
const together = (a: LabCall | undefined, b: LabCall | undefined, ms: number) => a !== undefined && b !== undefined && Math.abs(a.at - b.at) < ms;

describe('a slow control node', () => {
  test('a nova call slower than ssh.commandTimeoutMs still answers, and the report names it', async () => {
    // The lab's ferry.yml has ssh.commandTimeoutMs 5000 and no openstack.commandTimeoutMs (default 60 s).
    await f.fault('control', 'slow', ['slow', '0'], '5100');
    const { report } = await f.run('/nova services');
    expect(report.verdict).toBe('OK');
    expect(report.notes).toContainEqual(expect.stringMatching(/^nova service-list took 5\.\d s on control$/));
  }, 30_000);

  test('preflight asks nova show, the target service and its hypervisor together', async () => {
    const DELAY = 400;
    await f.fault('control', 'slow', ['slow', '0'], String(DELAY));
    const n = f.lab.calls().length;
    const { report } = await f.run('/migrate cirros1 compute02 --dry-run');
    expect(report.verdict).toBe('OK');
    const calls = novaCalls(n);
    const show = calls.find((c) => c.argv[1] === 'show');
    expect(calls.map(line)).toEqual(expect.arrayContaining(['nova service-list --host compute02 --binary nova-compute', 'nova --os-compute-api-version 2.52 hypervisor-show compute02.stack']));
    for (const other of calls.filter((c) => c !== show)) expect(together(show, other, DELAY), line(other)).toBe(true);
  });
});

describe('fewer nova calls', () => {
  test('/nova service-enable lists the service once, then enables it', async () => {
    await f.fault('compute03', 'service-disable', ['service-enable'], 'maintenance');
    const n = f.lab.calls().length;
    const { report } = await f.run('/nova service-enable compute03');
    expect(report.verdict).toBe('OK');
    expect(novaCalls(n).map((c) => c.argv[1])).toEqual(['service-list', 'service-enable']);
  });
});

describe('the migration job', () => {
  test('issues at once with what preflight read, watches with one call per poll, and the look that sees the end brings the record', async () => {
    const DELAY = 300;
    await f.fault('control', 'slow', ['slow', '0'], String(DELAY));
    const n = f.lab.calls().length;
    const { report } = await f.run('/migrate cirros2 compute03');
    const issuedFrom = f.lab.calls().length;
    const end = await f.finish(report);
    expect(end.verdict).toBe('OK');
    // Preflight read nova's newest migration together with nova show, so the job asks nothing before it issues.
    const preflight = f.lab.calls().slice(n, issuedFrom).filter((c) => c.argv[0] === 'nova');
    const newest = preflight.find((c) => c.argv[1] === 'migration-list');
    expect(newest && line(newest)).toBe('nova migration-list --limit 20');
    expect(together(preflight.find((c) => c.argv[1] === 'show'), newest, DELAY)).toBe(true);
    const calls = novaCalls(issuedFrom);
    expect(calls.map((c) => c.argv[1])[0]).toBe('live-migration');
    const watch = calls.slice(1);
    const shows = watch.filter((c) => c.argv[1] === 'show');
    // The job watches without the image look-up, and asks for the copy progress now and then only (here: at the start, once near the end).
    expect(shows.every((c) => c.argv.includes('--minimal'))).toBe(true);
    expect(shows.length).toBeGreaterThanOrEqual(2);
    expect(watch.filter((c) => c.argv[1] === 'server-migration-list').length).toBeLessThanOrEqual(2);
    // The show that saw cirros2 on compute03 came with nova's record of the move; nothing was asked after them.
    const seen = shows.at(-1)!;
    const record = watch.filter((c) => c.argv[1] === 'migration-list').at(-1);
    expect(record && line(record)).toMatch(/^nova migration-list --instance-uuid [0-9a-f-]{36}$/);
    expect(together(seen, record, DELAY)).toBe(true);
    expect(watch.filter((c) => c.at > Math.max(seen.at, record!.at) + DELAY).map(line)).toEqual([]);
  });
});

describe('nova show --minimal', () => {
  const real = (name: string) => {
    const text = readFileSync(path.join(FIXTURES, 'real', 'nova-26', name), 'utf8');
    return text.slice(text.indexOf('\n\n') + 2);
  };
  const names = (table: string) => [...table.matchAll(/^\| (\S[^|]*?) +\| .* \|$/gm)].map((m) => m[1]);

  test('the real capture gives what the watch needs: status, host, task and power state, flavor by name', () => {
    expect(parseNovaShow(real('nova-show-cirros1-before-minimal.txt'))).toMatchObject({
      status: 'ACTIVE', host: 'compute01', taskState: null, powerState: 'Running', flavor: 'm1.tiny', image: 'c6295ade-d911-4e15-8604-58aecafb8369',
    });
  });

  test('the lab drops the flavor:* rows for one flavor row and shows the image by id, as nova does', async () => {
    const lab = createLabModel({ computes: 3, instances: 1, migrateSeconds: 1 });
    const full = (await lab.run('control', 'nova show cirros1')).stdout;
    const minimal = (await lab.run('control', 'nova show --minimal cirros1')).stdout;
    const realFull = names(real('nova-show-cirros1-before.txt'));
    const realMinimal = names(real('nova-show-cirros1-before-minimal.txt'));
    const dropped = (a: (string | undefined)[], b: (string | undefined)[]) => a.filter((x) => !b.includes(x));
    expect(dropped(names(full), names(minimal))).toEqual(dropped(realFull, realMinimal));
    expect(dropped(names(minimal), names(full))).toEqual(dropped(realMinimal, realFull));
    expect(parseNovaShow(minimal)).toMatchObject({ flavor: 'm1.tiny', image: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});
