/**
 * Reads the ASCII tables that novaclient prints with prettytable:
 *
 *   +------+---------+
 *   | ID   | Name    |
 *   +------+---------+
 *   | 1    | cirros1 |
 *   +------+---------+
 */
import { eastAsianWidth } from 'get-east-asian-width';
import { ClusterError } from '../errors.js';

/** Header names and data rows, every row as long as the header. */
export interface Table {
  headers: string[];
  rows: string[][];
}

const BORDER = /^\+(?:-+\+)+$/;

/**
 * Parses a prettytable. A row whose first cell is empty continues the row above
 * (a multi-line value: nova prints each line of a `fault` or a long value as its own
 * row with an empty Property column); its non-empty cells are appended with `\n`.
 * @param what the command, for the error when the text is not a table
 */
export function readTable(text: string, what: string): Table {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const borders = lines.flatMap((l, i) => (BORDER.test(l) ? [i] : []));
  if (borders.length < 2) throw new ClusterError(`could not parse ${what}: not a table`, 'unparsable');
  const first = borders[0]!;
  const stops = [...lines[first]!].flatMap((c, i) => (c === '+' ? [i] : []));
  const cellsOf = (line: string) => splitRow(line, stops, what);
  const headers = cellsOf(lines[first + 1]!).map((h) => h.trim());
  const rows: string[][] = [];
  for (const line of lines.slice(borders[1]! + 1)) {
    if (BORDER.test(line)) continue;
    if (!line.startsWith('|')) throw new ClusterError(`could not parse ${what}: stray line ${JSON.stringify(line)}`, 'unparsable');
    const cells = cellsOf(line);
    const prev = rows.at(-1);
    if (cells[0] === '' && prev) {
      // Every line counts, empty ones too (a traceback's blank lines: capture nova-show-err).
      cells.forEach((c, i) => {
        if (i > 0) prev[i] = `${prev[i]}\n${c}`;
      });
    } else {
      rows.push(cells);
    }
  }
  // prettytable pads a cell with fewer lines than its row with empty lines at the bottom.
  return { headers, rows: rows.map((r) => r.map((c) => c.replace(/^\n+|\n+$/g, ''))) };
}

/** The rows as records keyed by header. */
export function tableRecords(table: Table): Record<string, string>[] {
  return table.rows.map((r) => Object.fromEntries(table.headers.map((h, i) => [h, r[i] ?? ''])));
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;

/** Columns one code point takes, as python's wcwidth counts them: none for a combining mark or a format or control character, two for East Asian wide and fullwidth. */
function columns(ch: string): number {
  return ZERO_WIDTH.test(ch) ? 0 : eastAsianWidth(ch.codePointAt(0)!);
}

/**
 * Cuts a row at the border's column stops. prettytable pads by display width (wcwidth:
 * a CJK character takes two columns, a combining mark none: capture nova-list's `web-ü-云`),
 * so the stops are counted in display columns, not in characters.
 */
function splitRow(line: string, stops: number[], what: string): string[] {
  const cuts: number[] = [];
  let col = 0;
  let at = 0;
  for (const ch of line) {
    if (col === stops[cuts.length] && ch === '|') cuts.push(at);
    col += ch < '\x7f' ? 1 : columns(ch);
    at += ch.length;
  }
  // novaclient left-aligns every table: drop the one-space padding but keep a value's
  // own indentation (the continuation lines of a traceback).
  if (cuts.length === stops.length) return cuts.slice(0, -1).map((c, i) => line.slice(c + 1, cuts[i + 1]).replace(/^ /, '').trimEnd());
  // Where our width and python's wcwidth disagree (some emoji), split on ` | `: right unless a value holds ` | `.
  const cells = line.replace(/^\|\s?/, '').replace(/\s?\|$/, '').split(/\s\|\s/).map((c) => c.trim());
  if (cells.length !== stops.length - 1) {
    throw new ClusterError(`could not parse ${what}: row does not fit the table: ${JSON.stringify(line)}`, 'unparsable');
  }
  return cells;
}
