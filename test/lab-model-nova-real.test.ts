/**
 * The lab answers the commands ferry sends in the scenarios of the real nova 26 captures
 * (test/fixtures/real/nova-26) in the same bytes, per-cluster values masked. Where the lab's
 * cloud differs from the captured one by construction (host names with a domain, addresses,
 * shortened tracebacks), the comparison is of the rows that do not carry those.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLabModel, type LabModelHandle } from '../src/lab/model.js';
import { parseActionEvents, parseNovaShow } from '../src/cluster/nova-text.js';
import { FIXTURES } from './support/fixtures.js';
import { mask } from './support/mask.js';

const DIR = path.join(FIXTURES, 'real', 'nova-26');

/** A real capture: its command, exit code, stdout and stderr (empty when the CLI printed nothing there). */
function real(name: string): { command: string; exit: number; stdout: string; stderr: string } {
  const body = (file: string) => {
    if (!existsSync(file)) return { head: '', text: '' };
    const t = readFileSync(file, 'utf8');
    const cut = t.indexOf('\n\n');
    return { head: t.slice(0, cut), text: t.slice(cut + 2) };
  };
  const out = body(path.join(DIR, `${name}.txt`));
  const err = body(path.join(DIR, `${name}.stderr.txt`));
  return { command: /^# command: (.*)$/m.exec(out.head)![1]!, exit: Number(/^# exit: (\d+)$/m.exec(out.head)![1]), stdout: out.text, stderr: err.text };
}

/** Migration ids count up per cloud; the captured one had made more migrations by then. */
const ids = (s: string) => mask(s).replace(/^\| \d +\|/gm, '| N  |');

async function expectSame(lab: LabModelHandle, name: string, line?: string) {
  const want = real(name);
  const got = await lab.run('control', line ?? want.command);
  expect({ exit: got.exitCode, stdout: ids(got.stdout), stderr: ids(got.stderr) }).toEqual({ exit: want.exit, stdout: ids(want.stdout), stderr: ids(want.stderr) });
}

const row = (table: string, re: RegExp) => table.split('\n').find((l) => re.test(l));

describe('the lab as real nova 26: refused live migrations', () => {
  const t0 = Date.parse('2026-11-25T00:17:16Z');
  let lab: LabModelHandle;
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t0);
    // cirros1 on compute02 (as after the first capture's migration), cirros4 on compute03.
    lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 4 });
    lab.fault('control', 'instance-add', 'cirros1 compute02');
    lab.fault('control', 'instance-add', 'cirros4 compute03');
  });
  afterAll(() => vi.useRealTimers());

  it('same host: accepted, nothing printed, then a migration in error without a destination', async () => {
    await expectSame(lab, 'nova-live-migration-same-host');
    const list = (await lab.run('control', 'nova migration-list')).stdout;
    const want = real('nova-migration-list-after-same-host').stdout;
    // The error row's cells (masked); the real list also holds an earlier completed move, which widens its columns.
    const cells = (t: string) => ids(row(t, /^\| \d +\| \S+ \| - /)!).split('|').map((c) => c.trim());
    expect(cells(list)).toEqual(cells(want));
  });

  it('a disabled target: accepted; the action event holds nova\'s reason, from the conductor\'s host', async () => {
    lab.fault('compute01', 'service-disable', 'maintenance');
    await expectSame(lab, 'nova-live-migration-to-disabled-host');
    lab.fault('compute01', 'service-enable');
    const show = parseNovaShow((await lab.run('control', 'nova show cirros4')).stdout);
    expect(show).toMatchObject(pick(parseNovaShow(real('nova-show-cirros4-after-failed-migration').stdout)));
    const actions = (await lab.run('control', 'nova instance-action-list cirros4')).stdout;
    const wantActions = real('nova-instance-action-list-cirros4').stdout;
    for (const re of [/^\| Action /, /^\| live-migration /]) expect(ids(row(actions, re)!)).toBe(ids(row(wantActions, re)!));
    const req = /\| (req-[0-9a-f-]{36}) \| Error/.exec(actions)![1]!;
    const events = (await lab.run('control', `nova instance-action cirros4 ${req}`)).stdout;
    const wantEvents = real('nova-instance-action-cirros4-failed').stdout;
    expect(parseActionEvents(events)).toEqual(parseActionEvents(wantEvents));
    // The events cell opens the same way: pformat of the same fields.
    const opening = (t: string) => t.split('\n').filter((l) => /^\| +\| +'(event|finish_time|host|result)'|^\| events /.test(l)).map((l) => ids(l).replace(/ +\|$/, ''));
    expect(opening(events)).toEqual(opening(wantEvents));
  });

  it('a down source host: accepted; the migration in error names no destination', async () => {
    vi.setSystemTime(t0 + 60_000);
    lab.fault('compute03', 'nova-compute-down');
    await expectSame(lab, 'nova-live-migration-from-down-host');
    // cirros4's two refused moves off compute03 (to the disabled host, then off the down host), newest first.
    await expectSame(lab, 'nova-migration-list-after-down-host');
  });
});

describe('the lab as real nova 26: names and wide characters', () => {
  let lab: LabModelHandle;
  beforeAll(() => {
    lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 4 });
    for (const n of ['cirros-err', 'cirros1', 'web-ü-云']) lab.fault('control', 'instance-add', `${n} compute03`);
  });

  it("nova show 'web-ü-云': the name row padded by display width, nova's sanitized hostname", async () => {
    const got = (await lab.run('control', "nova show 'web-ü-云'")).stdout;
    const want = real('nova-show-unicode').stdout;
    for (const re of [/^\| name /, /^\| OS-EXT-SRV-ATTR:hostname /]) expect(row(got, re)).toBe(row(want, re));
  });

  it('nova list: the wide name cell lines up as python prettytable pads it', async () => {
    const cells = (t: string) => row(t, /web-ü-云/)!.split(' | ').slice(0, 3).map((c) => mask(c));
    const got = (await lab.run('control', 'nova list')).stdout;
    expect(cells(got)).toEqual(cells(real('nova-list').stdout));
  });
});

/** The fields a refused migration must leave as they were. */
function pick(s: { status: string; taskState: string | null; vmState: string | null; powerState: string; host: string | null; fault: unknown }) {
  return { status: s.status, taskState: s.taskState, vmState: s.vmState, powerState: s.powerState, host: s.host, fault: s.fault };
}
