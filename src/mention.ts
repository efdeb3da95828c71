/**
 * Mentions as their own tokens in report text. `user(id)` / `channel(id)` wrap a
 * validated id in private-use delimiters; each renderer turns the token into what
 * its surface shows (a real Slack mention, `@U123` on the terminal and in JSON).
 * Text that merely looks like `<@U123>` is never a mention: only these tokens are.
 */

const OPEN = '\uE000';
const CLOSE = '\uE001';
const USER_ID = /^[UWB][A-Z0-9_]+$/;
const CHANNEL_ID = /^C[A-Z0-9_]+$/;
/** A mention token: sigil (@ user, # channel) and id. */
export const MENTION_TOKEN = /\uE000([@#])([A-Z0-9_]+)\uE001/g;

/** A user mention token; an id that is not a Slack user id stays plain text. */
export function user(id: string | undefined): string {
  return id && USER_ID.test(id) ? `${OPEN}@${id}${CLOSE}` : String(id ?? '-');
}

/** A channel mention token; an id that is not a Slack channel id stays plain text. */
export function channel(id: string): string {
  return CHANNEL_ID.test(id) ? `${OPEN}#${id}${CLOSE}` : id;
}

/** The user id when `text` is exactly one user mention token. */
export function onlyUser(text: string): string | undefined {
  const m = /^\uE000@([A-Z0-9_]+)\uE001$/.exec(text);
  return m?.[1];
}

/**
 * Renders the tokens in already escaped text: `slack` gives `<@U1>` / `<#C1>`,
 * `plain` gives `@U1` / `#C1` (terminal, JSON). Stray delimiters are dropped.
 */
export function renderMentions(text: string, style: 'slack' | 'plain'): string {
  return text
    .replace(MENTION_TOKEN, (_, sigil: string, id: string) => (style === 'slack' ? `<${sigil}${id}>` : `${sigil}${id}`))
    .replace(/[\uE000\uE001]/g, '');
}
