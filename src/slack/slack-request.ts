/**
 * One request from Slack as the acking thread takes it: its signature checked
 * (Slack's v0 scheme), its body parsed once, and what ferry must know of it
 * before the command thread has routed it (what to call it, where to answer)
 * if that thread dies or ferry is stopping. Bolt routes the parsed body in the
 * command thread (bolt-routes.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

/** Slack refuses requests older than this; so does Bolt's own check. */
const MAX_AGE_SECONDS = 5 * 60;

/**
 * Why the request is not Slack's, or undefined when its signature and timestamp hold.
 * `v0=` + hex HMAC-SHA256 of `v0:TIMESTAMP:BODY` under the signing secret.
 */
export function signatureProblem(secret: string, timestamp: string | undefined, signature: string | undefined, rawBody: string, nowMs: number): string | undefined {
  const sentAt = Number(timestamp);
  if (!timestamp || !Number.isInteger(sentAt)) return 'no x-slack-request-timestamp';
  if (sentAt < Math.floor(nowMs / 1000) - MAX_AGE_SECONDS) return 'x-slack-request-timestamp is more than 5 minutes old';
  if (!signature?.startsWith('v0=')) return 'no v0 x-slack-signature';
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'x-slack-signature does not match';
}

/** A request's body: form fields (slash commands, ssl_check), or the JSON of `payload` (interactivity) or of the body (events). */
export type SlackBody = Record<string, unknown>;

/**
 * A body as the acking thread hands it on: parsed, or (a string) a slash command's form as
 * Slack sent it. Parsing a form cost the acking thread about 10 ms of ack p99 in bursts of
 * 200 (`npm run bench -- ack-latency`), so the command thread parses it, and the acking
 * thread only if it must answer the user itself.
 */
export type HeldBody = SlackBody | string;

const FORM = 'application/x-www-form-urlencoded';
const isForm = (contentType: string | undefined) => contentType?.split(';')[0]?.trim() === FORM;
// Fields of a form, found without parsing it: in a value, `&` and `=` are percent-encoded.
const PAYLOAD_FIELD = /(?:^|&)payload=/;
const SSL_CHECK_FIELD = /(?:^|&)ssl_check=1(?:&|$)/;

/** Parses a body as Slack sends it; throws on malformed JSON. */
export function parseSlackBody(contentType: string | undefined, raw: string): SlackBody {
  if (isForm(contentType)) {
    const form = parseQuery(raw);
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as SlackBody) : { ...form };
  }
  return JSON.parse(raw) as SlackBody;
}

/** Slack's ssl_check: a form whose ssl_check is 1. */
export function isSslCheck(contentType: string | undefined, raw: string): boolean {
  return isForm(contentType) && SSL_CHECK_FIELD.test(raw);
}

/** A verified body to hold: a slash command's form stays a string; anything else is parsed (throws on malformed JSON). */
export function holdSlackBody(contentType: string | undefined, raw: string): HeldBody {
  return isForm(contentType) && !PAYLOAD_FIELD.test(raw) ? raw : parseSlackBody(contentType, raw);
}

/** The parsed body of a held one. */
export function parsedBody(body: HeldBody): SlackBody {
  return typeof body === 'string' ? parseSlackBody(FORM, body) : body;
}

/** The kind of a held request, parsing nothing a slash command's form. */
export function requestKind(body: HeldBody): RequestAbout['kind'] {
  return typeof body === 'string' ? 'command' : aboutRequest(body).kind;
}

/** What the acking thread knows of a request without routing it. */
export interface RequestAbout {
  kind: 'command' | 'action' | 'event';
  /** How the user would name it: the slash line, the line a button offers, "the approve press". */
  line: string;
  /** Where to answer the user when the command thread cannot ('' for events). */
  responseUrl: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function aboutRequest(held: HeldBody): RequestAbout {
  const body = parsedBody(held);
  if (typeof body.command === 'string') return { kind: 'command', line: `${body.command} ${text(body.text)}`.trim(), responseUrl: text(body.response_url) };
  if (body.type === 'block_actions') {
    const action = (Array.isArray(body.actions) ? body.actions[0] : undefined) as { action_id?: unknown; value?: unknown } | undefined;
    const id = text(action?.action_id);
    const line = id === 'ferry_approve' ? 'the approve press' : id === 'ferry_reject' ? 'the reject press' : text(action?.value) || 'a button press';
    return { kind: 'action', line, responseUrl: text(body.response_url) };
  }
  const event = body.event as { type?: unknown } | undefined;
  return { kind: 'event', line: event?.type === 'app_home_opened' ? 'the App Home' : `a ${text(event?.type) || text(body.type) || 'Slack'} event`, responseUrl: '' };
}
