/**
 * The confirmation dialog of the Approve button: Slack shows it before the
 * click counts, so the approver reads once more what will happen.
 *
 * Limits from Slack's "Confirmation dialog object" reference
 * (docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object,
 * and @slack/types' ConfirmationDialog): title plain_text up to 100 characters,
 * text up to 300, confirm and deny plain_text up to 30 each, style primary or danger.
 */
import type { Report } from '../report.js';

export const CONFIRM_LIMITS = { title: 100, text: 300, button: 30 } as const;

type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };

/** A Block Kit confirmation dialog object. */
export interface ConfirmDialog {
  title: PlainText;
  text: PlainText;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

/** The dialog for an approval: its sentence, then as many of its items as fit ("… and N more"). */
export function confirmDialog(c: NonNullable<NonNullable<Report['approval']>['confirm']>): ConfirmDialog {
  return {
    title: plain(cut(c.title, CONFIRM_LIMITS.title)),
    text: plain(withItems(c.text, c.items ?? [], CONFIRM_LIMITS.text)),
    confirm: plain('Approve'),
    deny: plain('Not yet'),
  };
}

/** `text: a, b, c.` within `max` characters; items that do not fit are counted instead ("a, b and 3 more."). */
function withItems(text: string, items: string[], max: number): string {
  if (items.length === 0) return cut(text, max);
  const lead = `${cut(text, max - 40)}: `;
  for (let shown = items.length; shown > 0; shown--) {
    const more = items.length - shown;
    const line = `${lead}${items.slice(0, shown).join(', ')}${more ? ` and ${more} more` : ''}.`;
    if (line.length <= max) return line;
  }
  return `${lead}${items.length} in all.`;
}

function plain(text: string): PlainText {
  return { type: 'plain_text', text };
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * The confirm objects in a message's actions blocks that Slack would refuse
 * (invalid_blocks), one line each with a JSON pointer; empty when all pass.
 */
export function confirmViolations(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  const found: string[] = [];
  blocks.forEach((block: { type?: unknown; elements?: unknown }, i) => {
    if (block?.type !== 'actions' || !Array.isArray(block.elements)) return;
    block.elements.forEach((el: { confirm?: Record<string, { type?: unknown; text?: unknown } | undefined> & { style?: unknown } }, j) => {
      const c = el?.confirm;
      if (!c) return;
      const at = `/blocks/${i}/elements/${j}/confirm`;
      const limits: [string, number, boolean][] = [['title', CONFIRM_LIMITS.title, true], ['text', CONFIRM_LIMITS.text, false], ['confirm', CONFIRM_LIMITS.button, true], ['deny', CONFIRM_LIMITS.button, true]];
      for (const [key, max, plainOnly] of limits) {
        const t = c[key];
        if (t === undefined) continue;
        if (typeof t !== 'object' || (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn'))) found.push(`${at}/${key}: must be a ${plainOnly ? 'plain_text' : 'text'} object`);
        else if (typeof t.text !== 'string' || t.text.length === 0 || t.text.length > max) found.push(`${at}/${key}/text: must be 1 to ${max} characters`);
      }
      if (c.text === undefined) found.push(`${at}/text: required`);
      if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger') found.push(`${at}/style: must be primary or danger`);
    });
  });
  return found;
}
