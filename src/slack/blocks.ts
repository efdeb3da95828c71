/**
 * Block Kit rendering of a Report within Slack's limits (src/slack/limits.ts):
 * the main table as the one table block, other tables as preformatted text or
 * thread replies, long ones cut with a visible note.
 */
import type { Report, Table, Verdict } from '../report.js';
import { onlyUser, renderMentions, user } from '../mention.js';
import { formatTextTable } from '../text-table.js';
import { EMPTY_CELL, SLACK_LIMITS, textLength, type SlackBlock, type SlackMessage } from './limits.js';

export { EMPTY_CELL, SLACK_LIMITS, VIEW_LIMITS, checkSlackLimits, slackLimitViolations, slackViewViolations, textLength, type SlackBlock, type SlackLimitCode, type SlackLimitViolation, type SlackMessage } from './limits.js';

/** ferry's own, tighter limits, so a rendered message always passes Slack's. */
export const RENDER_LIMITS = {
  /** The plain `text` fallback (notifications, screen readers). */
  fallbackText: 3000,
  /** A raw_text cell of the table block. */
  tableCell: 500,
  /** A cell of a preformatted (```) table. */
  preformattedCell: 60,
  /** Line width of a preformatted table. */
  preformattedWidth: 120,
  /** One reason or note line. */
  line: 1000,
  /** Text in all blocks of one message: below blocksTextTotal, which is approximate. */
  blocksText: 10_000,
} as const;

const VERDICT_EMOJI: Record<Verdict, string> = {
  OK: ':white_check_mark:',
  WARN: ':warning:',
  FAIL: ':x:',
  UNKNOWN: ':grey_question:',
  INFO: ':information_source:',
};

/**
 * Renders a report as Slack messages. The first is the channel message: header,
 * verdict and reasons, the first table as the one table block, the other tables
 * as preformatted sections, notes. Tables that do not fit (50 blocks, the text
 * budget) follow in further messages, meant as replies in the first one's
 * thread. Whatever is cut says so ("… N more rows"). Every message passes
 * {@link checkSlackLimits}.
 */
export function renderSlack(report: Report): SlackMessage[] {
  const title = oneLine(report.title) || 'ferry';
  // A request waiting for approval has not happened yet, whatever its plan's verdict.
  const first: SlackBlock[] = [header(`${report.approval ? ':hourglass_flowing_sand:' : VERDICT_EMOJI[report.verdict]} ${title}`)];
  const reasons = reasonLines(report, (s) => `*${s}*`, escapeMrkdwn);
  if (reasons.length > 0) first.push(section(fitLines(reasons, SLACK_LIMITS.textObject, 'reasons', italic)));
  const tail: SlackBlock[] = [];
  // A user group mention, unescaped, pings the approvers where the request is posted.
  const ping = report.approval?.approvers ? `<!subteam^${report.approval.approvers}>` : '';
  if (ping) tail.push(context(`${ping} your approval is asked for`));
  const who = [report.requestedBy ? `asked by ${escapeMrkdwn(user(report.requestedBy))}` : '', report.jobId ? `job ${escapeMrkdwn(report.jobId)}` : ''].filter(Boolean);
  if (who.length) tail.push(context(who.join(' · ')));
  if (report.notes.length > 0) {
    const notes = report.notes.map((n) => escapeMrkdwn(cut(oneLine(n), RENDER_LIMITS.line)));
    tail.push(context(fitLines(notes, SLACK_LIMITS.textObject, 'notes', italic)));
  }
  const [main, ...others] = report.tables;
  // Room for the thread pointer block, added below when tables spill over.
  const spillReserve = 100;
  if (main) {
    const budget = RENDER_LIMITS.blocksText - textLength(first) - textLength(tail) - spillReserve;
    first.push(...tableBlocks(main, budget));
  }

  const groups: SlackBlock[][] = [first];
  let current = first;
  for (const block of others.map(preformattedTable)) {
    const reserveBlocks = current === first ? tail.length + 1 : 0;
    const reserveText = current === first ? textLength(tail) + spillReserve : 0;
    const fits =
      current.length + 1 + reserveBlocks <= SLACK_LIMITS.blocksPerMessage &&
      textLength(current) + textLength([block]) + reserveText <= RENDER_LIMITS.blocksText;
    if (!fits) {
      current = [context('')]; // the continuation line, written once the count is known
      groups.push(current);
    }
    current.push(block);
  }
  const replies = groups.length - 1;
  if (replies > 0) {
    const spilled = groups.slice(1).reduce((n, g) => n + g.length - 1, 0);
    first.push(context(italic(`… ${spilled} more ${plural(spilled, 'table')} in this message's thread`)));
  }
  first.push(...tail);

  const parts = groups.length;
  return groups.map((blocks, i) => {
    if (i === 0) {
      const plain = reasonLines(report, (s) => s, escapeMrkdwn);
      const text = fitLines([escapeMrkdwn(cut(title, RENDER_LIMITS.line)), ...plain], RENDER_LIMITS.fallbackText, 'reasons', (s) => s);
      return { text: ping ? `${ping} ${text}` : text, blocks };
    }
    const label = `${cut(title, SLACK_LIMITS.headerText)} — continued (${i + 1}/${parts})`;
    blocks[0] = context(escapeMrkdwn(label));
    return { text: escapeMrkdwn(label), blocks };
  });
}

/** The verdict line (none for INFO, a plain answer) and one line per reason. */
function reasonLines(report: Report, bold: (s: string) => string, esc: (s: string) => string): string[] {
  const lines = report.reasons.map((r) => `• ${esc(cut(oneLine(r), RENDER_LIMITS.line))}`);
  return report.verdict === 'INFO' ? lines : [`${bold('Verdict:')} ${report.verdict}`, ...lines];
}

/** The main table: a title, the table block (cut to fit, with a note saying so). */
function tableBlocks(table: Table, budget: number): SlackBlock[] {
  const out: SlackBlock[] = [];
  const title = oneLine(table.title);
  if (title) out.push(section(`*${escapeMrkdwn(cut(title, SLACK_LIMITS.headerText))}*`));
  const width = table.rows.reduce((n, r) => Math.max(n, r.length), table.columns.length);
  const shownColumns = Math.min(width, SLACK_LIMITS.tableCellsPerRow);
  const row = (cells: readonly string[]): TableCell[] =>
    Array.from({ length: shownColumns }, (_, i) => tableCell(cut(cells[i] ?? '', RENDER_LIMITS.tableCell) || EMPTY_CELL));
  const rowLength = (r: TableCell[]): number => r.reduce((n, c) => n + cellText(c).length, 0);

  const rows = [row(table.columns)];
  let used = textLength(out) + rowLength(rows[0]!) + 200; // 200: the cut note
  for (const cells of table.rows) {
    if (rows.length >= SLACK_LIMITS.tableRows) break;
    const r = row(cells);
    if (used + rowLength(r) > budget) break;
    rows.push(r);
    used += rowLength(r);
  }
  const block: SlackBlock = { type: 'table', rows };
  const settings = columnSettings(rows);
  if (settings) block.column_settings = settings;
  out.push(block);

  const hidden = table.rows.length - (rows.length - 1);
  const cuts: string[] = [];
  if (table.rows.length === 0) cuts.push('no rows');
  if (hidden > 0) cuts.push(`… ${hidden} more ${plural(hidden, 'row')} not shown (${table.rows.length} in all)`);
  if (width > shownColumns) {
    const more = width - shownColumns;
    cuts.push(`… ${more} more ${plural(more, 'column')} not shown`);
  }
  if (cuts.length > 0) out.push(context(italic(cuts.join(' · '))));
  return out;
}

type TableCell = { type: 'raw_text'; text: string } | { type: 'rich_text'; elements: [{ type: 'rich_text_section'; elements: [{ type: 'user'; user_id: string }] }] };

/** A cell that is just a user mention token shows the person, as Slack does in text; any other is raw text. */
function tableCell(text: string): TableCell {
  const user = onlyUser(text);
  return user ? { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'user', user_id: user }] }] } : { type: 'raw_text', text: renderMentions(text, 'plain') };
}

function cellText(c: TableCell): string {
  return c.type === 'raw_text' ? c.text : `<@${c.elements[0].elements[0].user_id}>`;
}

/** Right-aligns columns whose shown values are all numbers; undefined when none is. */
function columnSettings(rows: TableCell[][]): { align: 'left' | 'right' }[] | undefined {
  const body = rows.slice(1);
  if (body.length === 0) return undefined;
  const numeric = rows[0]!.map((_, i) =>
    body.every((r) => /^-?\d+(\.\d+)?%?$/.test(cellText(r[i]!)) || cellText(r[i]!) === EMPTY_CELL) &&
    body.some((r) => cellText(r[i]!) !== EMPTY_CELL),
  );
  if (!numeric.includes(true)) return undefined;
  return numeric.map((n) => ({ align: n ? 'right' : 'left' }));
}

/** A table as a ``` section of at most 3000 characters, cut with "… N more rows". */
function preformattedTable(table: Table): SlackBlock {
  const title = `*${escapeMrkdwn(cut(oneLine(table.title) || 'Table', SLACK_LIMITS.headerText))}*`;
  const cell = (s: string): string => cut(s, RENDER_LIMITS.preformattedCell).replace(/```/g, "'''");
  const lines = formatTextTable(table.columns.map(cell), table.rows.map((r) => r.map(cell)), {
    maxWidth: RENDER_LIMITS.preformattedWidth,
  }).map(escapeMrkdwn);
  const noteRoom = 80;
  let length = title.length + '\n```\n\n```'.length + noteRoom;
  const shown: string[] = [];
  for (const line of lines) {
    if (length + line.length + 1 > SLACK_LIMITS.textObject) break;
    shown.push(line);
    length += line.length + 1;
  }
  const hidden = table.rows.length - Math.max(0, shown.length - 2);
  const note =
    table.rows.length === 0
      ? `\n${italic('no rows')}`
      : hidden > 0
        ? `\n${italic(`… ${hidden} more ${plural(hidden, 'row')} not shown (${table.rows.length} in all)`)}`
        : '';
  return section(`${title}\n\`\`\`\n${shown.join('\n')}\n\`\`\`${note}`);
}

/**
 * Joins lines within `max` characters. When they do not all fit, as many as fit
 * are kept and a last line says how many more there were. Lines must be shorter
 * than max minus the note (callers cut them to RENDER_LIMITS.line).
 */
function fitLines(lines: string[], max: number, noun: string, style: (s: string) => string): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const noteRoom = 60;
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const add = (kept.length > 0 ? 1 : 0) + line.length;
    if (used + add + noteRoom > max) break;
    kept.push(line);
    used += add;
  }
  const more = lines.length - kept.length;
  return [...kept, style(`… ${more} more ${plural(more, noun.replace(/s$/, ''))}`)].join('\n');
}

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: cut(text, SLACK_LIMITS.headerText), emoji: true } };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

function italic(s: string): string {
  return `_${s}_`;
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Cuts to at most `max` UTF-16 units, ending with "…", never inside a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * Slack mrkdwn needs &, < and > escaped; nothing else is (docs: "Formatting text").
 * Mention tokens (src/mention.ts) become real mentions; text that only looks
 * like one (`<@U123>`) is escaped like any other.
 */
export function escapeMrkdwn(s: string): string {
  return renderMentions(s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'), 'slack');
}
