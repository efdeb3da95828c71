/**
 * Plain-text rendering of a Report for the terminal: title, verdict, reasons,
 * tables with aligned columns (src/text-table.ts), notes.
 */
import type { Report, Verdict } from '../report.js';
import { clean, formatTextTable } from '../text-table.js';

/** Options of {@link renderTerminal}. */
export interface TerminalOptions {
  /** Use ANSI colours (verdict in green / yellow / red, bold titles). */
  color: boolean;
  /** Terminal width in columns; wider tables have their widest columns cut with "…". */
  width?: number;
}

const VERDICT_COLOR: Record<Verdict, string | undefined> = {
  OK: '32', // green
  WARN: '33', // yellow
  FAIL: '31', // red
  UNKNOWN: '35', // magenta: not seen, neither good nor failed
  INFO: undefined,
};

/**
 * Renders a report for a terminal. The result has no trailing newline.
 * INFO reports are plain answers, so they get no "Verdict:" line.
 */
export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const paint = (code: string | undefined, s: string): string =>
    opts.color && code ? `\x1b[${code}m${s}\x1b[0m` : s;
  const lines: string[] = [paint('1', clean(report.title))];
  if (report.verdict !== 'INFO') {
    lines.push(`Verdict: ${paint(VERDICT_COLOR[report.verdict], report.verdict)}`);
  }
  for (const reason of report.reasons) lines.push(`  - ${clean(reason)}`);
  for (const table of report.tables) {
    lines.push('', paint('1', clean(table.title)));
    lines.push(...formatTextTable(table.columns, table.rows, { maxWidth: opts.width }));
    if (table.rows.length === 0) lines.push('(no rows)');
  }
  if (report.notes.length > 0) {
    lines.push('');
    for (const note of report.notes) lines.push(clean(note));
  }
  const who = [report.requestedBy ? `asked by ${clean(report.requestedBy)}` : '', report.jobId ? `job ${clean(report.jobId)}` : ''].filter(Boolean);
  if (who.length) lines.push(who.join(' · '));
  return lines.join('\n');
}
