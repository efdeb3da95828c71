/**
 * Block Kit rendering of a Report, and a checker for Slack's message limits
 * (the renderer's tests and the Slack fake both use the checker).
 *
 * Limits are from Slack's Block Kit reference (docs.slack.dev/reference/block-kit):
 * 50 blocks a message; header text 150; a text object (section text, context
 * element) 3000; section fields 10 x 2000; context elements 10; a table block has
 * at most 100 rows of at most 20 cells, cells `raw_text` (at least 1 character,
 * per @slack/types) or `rich_text`, and a message may carry one table block only
 * (`only_one_table_allowed`). Message `text` over 40,000 characters is refused
 * with `msg_too_long`.
 */
import type { Report, Table, Verdict } from '../report.js';
import { formatTextTable } from '../cli/render-terminal.js';

/** Slack's limits on a message (chat.postMessage / chat.update / response_url). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  textObject: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  contextElements: 10,
  tableRows: 100,
  tableCellsPerRow: 20,
  tableColumnSettings: 20,
  tablesPerMessage: 1,
  blockId: 255,
  messageText: 40_000,
  /**
   * Not in the reference: Slack refuses messages whose blocks carry more than
   * about 12,000 characters of text in all with `msg_blocks_too_long`
   * (slackapi/bolt-js#2509, #2867: "12,000 text characters with a buffer for
   * block containers").
   */
  blocksTextTotal: 12_000,
} as const;

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

/** Shown in place of an empty table cell: raw_text needs at least one character. */
export const EMPTY_CELL = '—';

/** A Block Kit block as sent to Slack. */
export type SlackBlock = { type: string } & Record<string, unknown>;

/** One message to post: `text` is the plain fallback, `blocks` what Slack shows. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** The Slack error a violation leads to. */
export type SlackLimitCode = 'invalid_blocks' | 'only_one_table_allowed' | 'msg_too_long' | 'msg_blocks_too_long';

/** One broken limit, with a JSON pointer into the message (as Slack's errors have). */
export interface SlackLimitViolation {
  code: SlackLimitCode;
  message: string;
  pointer: string;
}

const VERDICT_EMOJI: Record<Verdict, string> = {
  OK: ':white_check_mark:',
  WARN: ':warning:',
  FAIL: ':x:',
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
  const first: SlackBlock[] = [header(`${VERDICT_EMOJI[report.verdict]} ${title}`)];
  const reasons = reasonLines(report, (s) => `*${s}*`, escapeMrkdwn);
  if (reasons.length > 0) first.push(section(fitLines(reasons, SLACK_LIMITS.textObject, 'reasons', italic)));
  const tail: SlackBlock[] = [];
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
      return { text, blocks };
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
  const row = (cells: readonly string[]): { type: 'raw_text'; text: string }[] =>
    Array.from({ length: shownColumns }, (_, i) => ({
      type: 'raw_text',
      text: cut(cells[i] ?? '', RENDER_LIMITS.tableCell) || EMPTY_CELL,
    }));
  const rowLength = (r: { text: string }[]): number => r.reduce((n, c) => n + c.text.length, 0);

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

/** Right-aligns columns whose shown values are all numbers; undefined when none is. */
function columnSettings(rows: { text: string }[][]): { align: 'left' | 'right' }[] | undefined {
  const body = rows.slice(1);
  if (body.length === 0) return undefined;
  const numeric = rows[0]!.map((_, i) =>
    body.every((r) => /^-?\d+(\.\d+)?%?$/.test(r[i]!.text) || r[i]!.text === EMPTY_CELL) &&
    body.some((r) => r[i]!.text !== EMPTY_CELL),
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
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Slack mrkdwn needs &, < and > escaped; nothing else is (docs: "Formatting text"). */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Characters of text in blocks: every string under a `text` key, at any depth. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + textLength(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  for (const [key, v] of Object.entries(value)) {
    n += key === 'text' && typeof v === 'string' ? v.length : textLength(v);
  }
  return n;
}

/**
 * Every Slack limit a message breaks, with the error Slack answers it with.
 * Takes a message as posted (`text`, `blocks`); unknown block types pass.
 */
export function slackLimitViolations(message: { text?: unknown; blocks?: unknown }): SlackLimitViolation[] {
  const found: SlackLimitViolation[] = [];
  const bad = (pointer: string, msg: string, code: SlackLimitCode = 'invalid_blocks'): void => {
    found.push({ code, message: msg, pointer });
  };
  if (typeof message.text === 'string' && message.text.length > SLACK_LIMITS.messageText) {
    bad('/text', `must be at most ${SLACK_LIMITS.messageText} characters (is ${message.text.length})`, 'msg_too_long');
  }
  const blocks = message.blocks;
  if (blocks === undefined || blocks === null) return found;
  if (!Array.isArray(blocks)) {
    bad('/blocks', 'must be an array');
    return found;
  }
  if (blocks.length > SLACK_LIMITS.blocksPerMessage) {
    bad('/blocks', `no more than ${SLACK_LIMITS.blocksPerMessage} items allowed (has ${blocks.length})`);
  }
  const ids = new Set<string>();
  let tables = 0;
  blocks.forEach((block: unknown, i) => {
    const p = `/blocks/${i}`;
    if (!isObject(block) || typeof block.type !== 'string') return bad(p, 'must be an object with a string type');
    if (block.block_id !== undefined) {
      const id = block.block_id;
      if (typeof id !== 'string' || id.length === 0 || id.length > SLACK_LIMITS.blockId) {
        bad(`${p}/block_id`, `must be a string of 1 to ${SLACK_LIMITS.blockId} characters`);
      } else if (ids.has(id)) bad(`${p}/block_id`, `duplicate block_id "${id}"`);
      else ids.add(id);
    }
    switch (block.type) {
      case 'header':
        return checkText(block.text, `${p}/text`, SLACK_LIMITS.headerText, ['plain_text'], bad);
      case 'section':
        if (block.text === undefined && block.fields === undefined) bad(p, 'must have text or fields');
        if (block.text !== undefined) checkText(block.text, `${p}/text`, SLACK_LIMITS.textObject, ['plain_text', 'mrkdwn'], bad);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > SLACK_LIMITS.sectionFields) {
            bad(`${p}/fields`, `must be an array of at most ${SLACK_LIMITS.sectionFields} items`);
          } else {
            block.fields.forEach((f: unknown, j) =>
              checkText(f, `${p}/fields/${j}`, SLACK_LIMITS.sectionFieldText, ['plain_text', 'mrkdwn'], bad),
            );
          }
        }
        return;
      case 'context': {
        const els = block.elements;
        if (!Array.isArray(els) || els.length === 0 || els.length > SLACK_LIMITS.contextElements) {
          return bad(`${p}/elements`, `must be an array of 1 to ${SLACK_LIMITS.contextElements} items`);
        }
        els.forEach((el: unknown, j) => {
          if (isObject(el) && el.type === 'image') return;
          checkText(el, `${p}/elements/${j}`, SLACK_LIMITS.textObject, ['plain_text', 'mrkdwn'], bad);
        });
        return;
      }
      case 'table':
        tables += 1;
        return checkTable(block, p, bad);
      default:
        return;
    }
  });
  if (tables > SLACK_LIMITS.tablesPerMessage) {
    bad('/blocks', `only one table block is allowed per message (has ${tables})`, 'only_one_table_allowed');
  }
  const total = textLength(blocks);
  if (total > SLACK_LIMITS.blocksTextTotal) {
    bad('/blocks', `blocks carry ${total} characters of text, about ${SLACK_LIMITS.blocksTextTotal} allowed`, 'msg_blocks_too_long');
  }
  return found;
}

/**
 * The limits a message breaks, one line each ("code: what [json-pointer:/…]");
 * empty when Slack would accept it.
 */
export function checkSlackLimits(message: { text?: unknown; blocks?: unknown }): string[] {
  return slackLimitViolations(message).map((v) => `${v.code}: ${v.message} [json-pointer:${v.pointer}]`);
}

type Bad = (pointer: string, msg: string, code?: SlackLimitCode) => void;

function checkText(value: unknown, p: string, max: number, types: string[], bad: Bad): void {
  if (!isObject(value) || typeof value.type !== 'string' || !types.includes(value.type)) {
    return bad(p, `must be a text object of type ${types.join(' or ')}`);
  }
  const text = value.text;
  if (typeof text !== 'string' || text.length === 0) return bad(`${p}/text`, 'must be more than 0 characters');
  if (text.length > max) bad(`${p}/text`, `must be less than ${max + 1} characters (is ${text.length})`);
}

function checkTable(block: Record<string, unknown>, p: string, bad: Bad): void {
  const rows = block.rows;
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > SLACK_LIMITS.tableRows) {
    return bad(`${p}/rows`, `must be an array of 1 to ${SLACK_LIMITS.tableRows} rows (has ${Array.isArray(rows) ? rows.length : 'none'})`);
  }
  rows.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length === 0 || row.length > SLACK_LIMITS.tableCellsPerRow) {
      return bad(`${p}/rows/${r}`, `must be an array of 1 to ${SLACK_LIMITS.tableCellsPerRow} cells`);
    }
    row.forEach((cell: unknown, c) => {
      const cp = `${p}/rows/${r}/${c}`;
      if (!isObject(cell)) return bad(cp, 'must be a cell object');
      if (cell.type === 'raw_text') {
        if (typeof cell.text !== 'string' || cell.text.length === 0) bad(`${cp}/text`, 'must be more than 0 characters');
      } else if (cell.type === 'rich_text') {
        if (!Array.isArray(cell.elements)) bad(`${cp}/elements`, 'must be an array');
      } else if (cell.type !== 'raw_number') {
        bad(`${cp}/type`, 'must be raw_text or rich_text');
      }
    });
  });
  const settings = block.column_settings;
  if (settings !== undefined) {
    if (!Array.isArray(settings) || settings.length > SLACK_LIMITS.tableColumnSettings) {
      return bad(`${p}/column_settings`, `must be an array of at most ${SLACK_LIMITS.tableColumnSettings} items`);
    }
    settings.forEach((s: unknown, i) => {
      if (!isObject(s) || (s.align !== undefined && !['left', 'center', 'right'].includes(String(s.align)))) {
        bad(`${p}/column_settings/${i}`, 'align must be left, center or right');
      }
    });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
