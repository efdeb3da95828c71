/**
 * One check vocabulary (src/cluster/checks.ts): one verdict mapping, where a check
 * ferry could not run is UNKNOWN and never OK, and one table that the migration
 * preflight and the volume commands both show, through the real dispatcher and lab.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checksTable, checksVerdict, fail, pass, unknown, warn, type Check } from '../src/cluster/checks.js';
import { report } from '../src/report.js';
import { renderTerminal } from '../src/cli/render-terminal.js';
import { renderSlack } from '../src/slack/blocks.js';
import { outcomeOf } from '../src/audit.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

const P = pass('instance', 'ACTIVE');
const W = warn('heal', '3 pending on compute02', 'Wait for heal to finish.');
const U = unknown('room on compute02', 'nova did not answer', 'Ask again.');
const F = fail('disk cache on compute01', 'cache mode writeback', 'Set file=none.');

describe('the verdict of a set of checks', () => {
  test.each<[string, Check[], string]>([
    ['every check passed', [P, P], 'OK'],
    ['a warning', [P, W], 'WARN'],
    ['a check that could not run outweighs a warning', [P, W, U], 'UNKNOWN'],
    ['a check that could not run alone', [U], 'UNKNOWN'],
    ['a failure outweighs everything', [U, F, W, P], 'FAIL'],
  ])('%s', (_what, checks, verdict) => {
    expect(checksVerdict(checks)).toBe(verdict);
  });

  test('an UNKNOWN report is shown as UNKNOWN on the terminal and in Slack, and audited as a warning, never ok', () => {
    const r = report({ title: 'Preflight', verdict: checksVerdict([P, U]), tables: [checksTable([P, U])] });
    expect(renderTerminal(r, { color: false }).split('\n')[1]).toBe('Verdict: UNKNOWN');
    expect(JSON.stringify(renderSlack(r)[0]!.blocks)).toContain(':grey_question: Preflight');
    expect(outcomeOf(r.verdict)).toBe('warn');
  });

  test('the table has a "What to do" column only when some check gives advice', () => {
    expect(checksTable([P, F], 'Preflight')).toEqual({
      title: 'Preflight',
      columns: ['Check', 'Verdict', 'Seen', 'What to do'],
      rows: [['instance', 'PASS', 'ACTIVE', ''], ['disk cache on compute01', 'FAIL', 'cache mode writeback', 'Set file=none.']],
    });
    expect(checksTable([P]).columns).toEqual(['Check', 'Verdict', 'Seen']);
  });
});

describe('one table for every command that checks', () => {
  let f: LabFerry;
  beforeAll(async () => {
    f = await startLabFerry({ computes: 3, instances: 3 });
  });
  afterAll(() => f?.stop());

  test('/migrate --dry-run and /gluster volume create show their checks in the same columns; no advice, no empty advice column', async () => {
    const { report: pf } = await f.run('/migrate cirros1 compute02 --dry-run');
    const preflight = pf.tables.find((t) => t.title === 'Preflight')!;
    expect(pf.verdict).toBe('OK');
    expect(preflight.rows.every((r) => r[1] === 'PASS')).toBe(true);
    // The brick directories do not exist: refused, with the checks that say so.
    const { report: create } = await f.run('/gluster volume create vm-scratch replica 3 compute01:/gluster/scratch compute02:/gluster/scratch compute03:/gluster/scratch');
    expect(create.verdict).toBe('FAIL');
    const checks = create.tables.find((t) => t.title === 'Checks')!;
    expect(checks.columns).toEqual(['Check', 'Verdict', 'Seen']);
    expect(preflight.columns).toEqual(checks.columns);
  });

  test('a failing preflight says what to do in the same table', async () => {
    await f.fault('compute01', 'cache-unsafe', ['cache-safe']);
    try {
      const { report: pf } = await f.run('/migrate cirros1 compute02 --dry-run');
      const preflight = pf.tables.find((t) => t.title === 'Preflight')!;
      expect(pf.verdict).toBe('FAIL');
      expect(preflight.columns).toEqual(['Check', 'Verdict', 'Seen', 'What to do']);
      expect(preflight.rows.find((r) => r[0] === 'disk cache on compute01')?.[3]).toMatch(/disk_cachemodes = "file=none"/);
    } finally {
      await f.undoFaults();
    }
  });
});
