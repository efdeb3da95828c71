/**
 * Slack's message limits and a checker for them (the renderer's tests and the
 * Slack fake use the checker).
 *
 * Limits are from Slack's Block Kit reference (docs.slack.dev/reference/block-kit):
 * 50 blocks a message; header text 150; a text object (section text, context
 * element) 3000; section fields 10 x 2000; context elements 10; a table block has
 * at most 100 rows of at most 20 cells, cells `raw_text` (at least 1 character,
 * per @slack/types) or `rich_text`, and a message may carry one table block only
 * (`only_one_table_allowed`). Message `text` over 40,000 characters is refused
 * with `msg_too_long`.
 */

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
export function slackLimitViolations(message: { text?: unknown; blocks?: unknown }, surface: Surface = MESSAGE): SlackLimitViolation[] {
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
  if (blocks.length > surface.maxBlocks) {
    bad('/blocks', `no more than ${surface.maxBlocks} items allowed (has ${blocks.length})`);
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
        if (!surface.tables) return bad(p, 'table blocks are for messages only');
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
  if (surface.tables && total > SLACK_LIMITS.blocksTextTotal) {
    bad('/blocks', `blocks carry ${total} characters of text, about ${SLACK_LIMITS.blocksTextTotal} allowed`, 'msg_blocks_too_long');
  }
  return found;
}

/** Where blocks are shown: a message, or a Home tab view (docs.slack.dev/reference/views/home-tab-views). */
interface Surface {
  maxBlocks: number;
  /** Table blocks (and the message text budget that comes with them) are for messages only. */
  tables: boolean;
}
const MESSAGE: Surface = { maxBlocks: SLACK_LIMITS.blocksPerMessage, tables: true };

/** A Home view: at most 100 blocks, 250 kB in all (views.publish answers view_too_large beyond). */
export const VIEW_LIMITS = { blocks: 100, bytes: 250_000 } as const;

/** Every limit a Home tab view (views.publish) breaks; empty when Slack would accept it. */
export function slackViewViolations(view: unknown): SlackLimitViolation[] {
  if (!isObject(view) || view.type !== 'home') return [{ code: 'invalid_blocks', message: 'must be a view of type home', pointer: '/view/type' }];
  const found = slackLimitViolations({ blocks: view.blocks }, { maxBlocks: VIEW_LIMITS.blocks, tables: false });
  const bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > VIEW_LIMITS.bytes) found.push({ code: 'msg_too_long', message: `view is ${bytes} bytes, at most ${VIEW_LIMITS.bytes}`, pointer: '/view' });
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
