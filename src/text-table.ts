/**
 * Aligns a table as text, measured in display width, for the terminal renderer and
 * the Slack renderer's preformatted (```) tables; below both surfaces, so neither
 * imports the other.
 *
 * No table library: our tables are plain cells with one header underline, so a
 * small aligner that measures display width (wide CJK / emoji count as two
 * columns, combining marks as none) is all we need.
 */
import { renderMentions } from './mention.js';

const COLUMN_GAP = '  ';
const MIN_COLUMN_WIDTH = 4;

/**
 * Aligns a table as text: a header line, a dashed underline per column, then the
 * rows, columns separated by two spaces, trailing spaces trimmed. With `maxWidth`
 * the widest columns are narrowed (never below 4) and their cells cut with "…".
 */
export function formatTextTable(
  columns: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { maxWidth?: number } = {},
): string[] {
  const count = rows.reduce((n, r) => Math.max(n, r.length), columns.length);
  const cells = (r: readonly string[]): string[] =>
    Array.from({ length: count }, (_, i) => clean(r[i] ?? ''));
  const head = cells(columns);
  const body = rows.map(cells);
  const widths = head.map((_, i) =>
    Math.max(1, displayWidth(head[i]!), ...body.map((r) => displayWidth(r[i]!))),
  );
  if (opts.maxWidth !== undefined) narrow(widths, opts.maxWidth);
  const line = (r: string[]): string =>
    r
      .map((c, i) => {
        const fitted = cutToWidth(c, widths[i]!);
        return fitted + ' '.repeat(widths[i]! - displayWidth(fitted));
      })
      .join(COLUMN_GAP)
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join(COLUMN_GAP), ...body.map(line)];
}

/** Shrinks the widest column one step at a time until the line fits (or nothing can shrink). */
function narrow(widths: number[], maxWidth: number): void {
  const total = (): number => widths.reduce((a, b) => a + b, 0) + COLUMN_GAP.length * (widths.length - 1);
  while (total() > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= MIN_COLUMN_WIDTH) return;
    widths[widest]! -= 1;
  }
}

// Printable ASCII, where every character is a grapheme one column wide: most cells, measured without segmenting.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// East Asian Wide / Fullwidth blocks (Hangul, CJK, kana, fullwidth forms, CJK extensions).
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u;
const EMOJI = /\p{Emoji_Presentation}|\uFE0F/u;

let segmenter: Intl.Segmenter | undefined;
/** The graphemes of s. The segmenter is made at first need: making one loads ICU's break rules, ~10 ms of a cold `ferry run`. */
function graphemes(s: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  return segmenter.segment(s);
}

/** Columns a string takes in a monospace terminal (graphemes; wide and emoji count 2). */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let width = 0;
  for (const { segment } of graphemes(s)) width += graphemeWidth(segment);
  return width;
}

function graphemeWidth(g: string): number {
  return WIDE.test(g) || EMOJI.test(g) ? 2 : 1;
}

function cutToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (PRINTABLE_ASCII.test(s)) return `${s.slice(0, Math.max(0, width - 1))}…`;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes(s)) {
    const w = graphemeWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/**
 * Cells and lines come from remote command output: control characters (tabs,
 * newlines, escape sequences) would break the alignment or drive the terminal.
 */
export function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return renderMentions(s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' '), 'plain');
}
