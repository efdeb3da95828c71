/**
 * The one vocabulary for checks: the migration preflight, the volume commands'
 * checks and the storage health all say what they checked as `Check` rows, show
 * them with one table and turn them into a report verdict with one mapping. A
 * new check belongs here. ferry never reports what it has not seen: a check it
 * could not run is UNKNOWN (or FAIL where not knowing must stop an action), never PASS.
 *
 * Not a check: a bootstrap step's StepState (bootstrap-types.ts) says where a
 * plan stands (done, to do, refused, unknown), not whether something holds; a
 * refused or unknown step stops the plan (FAIL), as a FAIL check would.
 */
import type { Table, Verdict } from '../report.js';

/** PASS: seen to hold; WARN: holds with a caveat; FAIL: seen not to hold; UNKNOWN: could not be seen. */
export type CheckState = 'PASS' | 'WARN' | 'FAIL' | 'UNKNOWN';

export interface Check {
  /** What is checked, e.g. `shared storage on compute01`. */
  check: string;
  verdict: CheckState;
  /** One line of evidence: what was seen (or why nothing could be). */
  detail: string;
  /** What to do about it; empty for a PASS. */
  hint?: string;
}

export const pass = (check: string, detail: string): Check => ({ check, verdict: 'PASS', detail, hint: '' });
export const warn = (check: string, detail: string, hint = ''): Check => ({ check, verdict: 'WARN', detail, hint });
export const fail = (check: string, detail: string, hint = ''): Check => ({ check, verdict: 'FAIL', detail, hint });
export const unknown = (check: string, detail: string, hint = ''): Check => ({ check, verdict: 'UNKNOWN', detail, hint });

const RANK: Record<CheckState, number> = { PASS: 0, WARN: 1, UNKNOWN: 2, FAIL: 3 };
const VERDICT: Record<CheckState, Verdict> = { PASS: 'OK', WARN: 'WARN', UNKNOWN: 'UNKNOWN', FAIL: 'FAIL' };

/** The worst state of the checks (FAIL > UNKNOWN > WARN > PASS); PASS when there are none to hold against. */
export function worstState(checks: readonly Check[]): CheckState {
  return checks.reduce<CheckState>((w, c) => (RANK[c.verdict] > RANK[w] ? c.verdict : w), 'PASS');
}

/** The report verdict of a set of checks: its worst state, PASS shown as OK. */
export const checksVerdict = (checks: readonly Check[]): Verdict => VERDICT[worstState(checks)];

/** The checks as a table, one row each; a "What to do" column when any check gives advice. */
export function checksTable(checks: readonly Check[], title = 'Checks'): Table {
  const advice = checks.some((c) => c.hint);
  return {
    title,
    columns: ['Check', 'Verdict', 'Seen', ...(advice ? ['What to do'] : [])],
    rows: checks.map((c) => [c.check, c.verdict, c.detail, ...(advice ? [c.hint ?? ''] : [])]),
  };
}

/** The FAIL rows as one line each. */
export const failures = (checks: readonly Check[]) => checks.filter((c) => c.verdict === 'FAIL').map((c) => `${c.check}: ${c.detail}`);
