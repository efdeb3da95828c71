/**
 * JSON rendering of a Report (for `ferry run --json` and scripts).
 */
import type { Report } from '../report.js';
import { renderMentions } from '../mention.js';

// Report keys in reading order, then Table keys; a report has no columns/rows and a
// table no verdict/reasons/notes, so one list orders both. Unknown keys follow, sorted.
const KEY_ORDER = ['title', 'verdict', 'reasons', 'columns', 'rows', 'tables', 'notes'];

/**
 * Pretty-printed JSON (two-space indent, no trailing newline) with a stable key
 * order, so the same report always gives the same bytes. `JSON.parse` of the
 * result deep-equals the report. With `oneLine`, no indent and no newline at all
 * (one JSON line per report, for `ferry run --json-lines`).
 */
export function renderJson(report: Report, opts: { oneLine?: boolean } = {}): string {
  return JSON.stringify(ordered(report), null, opts.oneLine ? undefined : 2);
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (typeof value === 'string') return renderMentions(value, 'plain');
  if (value === null || typeof value !== 'object') return value;
  const rank = (k: string): number => {
    const i = KEY_ORDER.indexOf(k);
    return i === -1 ? KEY_ORDER.length : i;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = ordered((value as Record<string, unknown>)[k]);
  return out;
}
