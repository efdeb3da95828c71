/**
 * Posts reports to Slack within its limits: the renderer keeps each message
 * within Block Kit's, this keeps ferry within the rate limits.
 *
 * - Posts to one channel go one at a time, in order (chat.postMessage allows
 *   about one message a second per channel, with short bursts).
 * - Updates of one message are coalesced (the newest wins) and spaced out,
 *   because chat.update is a Tier 3 method (about 50 a minute) and a progress
 *   message may change every second; an update never overtakes an earlier one
 *   of the same message.
 * - A 429 holds back every later call of the same kind (that channel's posts,
 *   or all updates) until its Retry-After has passed, then the call is retried.
 *   Give the poster a WebClient with `rejectRateLimitedCalls: true` so that it
 *   sees the 429s; a client that waits them out by itself works too, only with
 *   its own back-off on top.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { escapeMrkdwn, renderSlack, type SlackMessage } from './blocks.js';
import { confirmDialog, type ConfirmDialog } from './confirm-dialog.js';

/** Buttons under a message (approvals). */
export interface MessageAction {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
  /** Asked before the click counts. */
  confirm?: ConfirmDialog;
}

/**
 * The Approve / Reject buttons of a report that asks for approval (none otherwise),
 * so a request shows its buttons wherever it is posted: by the slash command or by a job.
 */
export function approvalActions(r: Report): MessageAction[] | undefined {
  if (!r.approval) return undefined;
  return [
    { actionId: 'ferry_approve', text: 'Approve', value: r.approval.id, style: 'primary', ...(r.approval.confirm ? { confirm: confirmDialog(r.approval.confirm) } : {}) },
    { actionId: 'ferry_reject', text: 'Reject', value: r.approval.id, style: 'danger' },
  ];
}

/** Slack allows 25 elements in an actions block and 75 characters of button text. */
const MAX_BUTTONS = 25;

/** A report's offered slash lines as buttons (action ids ferry_run_N); the report's notes list every line. */
export function lineActions(r: Report): MessageAction[] {
  return (r.actions ?? []).slice(0, MAX_BUTTONS).map((a, i) => ({ actionId: `ferry_run_${i}`, text: a.label.slice(0, 75), value: a.line }));
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

/** Minimum spacing of two updates of the same message. */
export const UPDATE_INTERVAL_MS = 1300;

/** A call still rate-limited after this long in all fails (Slack is refusing us for a reason). */
export const MAX_RATE_LIMIT_WAIT_MS = 10 * 60_000;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface PendingUpdate {
  report: Report;
  actions?: MessageAction[];
  waiters: Waiter[];
}

export class SlackPoster {
  /** Per message: the update waiting to be sent (later calls replace its report). */
  private readonly pending = new Map<string, PendingUpdate>();
  /** Per message: the update being sent; the next one starts after it. */
  private readonly sending = new Map<string, Promise<void>>();
  private readonly lastUpdate = new Map<string, number>();
  /** Per channel: the last post in line; the next one starts after it. */
  private readonly postLanes = new Map<string, Promise<unknown>>();
  /** Per rate-limit key: no call before this time (ms since the epoch). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly updateIntervalMs = UPDATE_INTERVAL_MS,
    /** Told of every failed Web API call (metrics): the method and Slack's error code, `ratelimited` for a 429. */
    private readonly onError: (method: string, error: string) => void = () => {},
  ) {}

  /** Posts a report in a channel; tables that do not fit go as replies in its thread. */
  post(channel: string, report: Report, actions?: MessageAction[]): Promise<PostedMessage> {
    return this.inLane(channel, () => this.postNow(channel, report, actions));
  }

  /**
   * One line of mrkdwn in a message's thread (a new message: its mentions notify,
   * which an update in place does not). User mentions stay; other markup is escaped.
   */
  reply(msg: PostedMessage, line: string): Promise<PostedMessage> {
    const text = escapeMrkdwn(line.length > 3000 ? `${line.slice(0, 2999)}…` : line);
    return this.inLane(msg.channel, async () => {
      const r = await this.paced(`chat.postMessage ${msg.channel}`, () => this.client.chat.postMessage({ channel: msg.channel, thread_ts: msg.ts, text }));
      return { channel: msg.channel, ts: r.ts as string };
    });
  }

  /** Runs `send` after the channel's earlier posts, in order. */
  private inLane<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const previous = this.postLanes.get(channel) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(send);
    this.postLanes.set(channel, mine);
    const done = () => {
      if (this.postLanes.get(channel) === mine) this.postLanes.delete(channel);
    };
    mine.then(done, done);
    return mine;
  }

  private async postNow(channel: string, report: Report, actions?: MessageAction[]): Promise<PostedMessage> {
    const [first, ...rest] = renderSlack(report);
    const key = `chat.postMessage ${channel}`;
    const main = await this.paced(key, () => this.client.chat.postMessage({ channel, ...withActions(first!, actions) }));
    const ts = main.ts as string;
    for (const reply of rest) await this.paced(key, () => this.client.chat.postMessage({ channel, thread_ts: ts, ...reply }));
    return { channel: (main.channel as string) ?? channel, ts };
  }

  /**
   * Replaces a message's content. Calls arriving faster than the update interval
   * are coalesced: only the newest report is sent. Resolves once it (or a newer
   * one) is sent; rejects, for every caller it coalesced, when sending fails.
   */
  update(msg: PostedMessage, report: Report, actions?: MessageAction[]): Promise<void> {
    const key = `${msg.channel}/${msg.ts}`;
    let entry = this.pending.get(key);
    if (entry) {
      entry.report = report;
      entry.actions = actions;
    } else {
      const fresh: PendingUpdate = { report, actions, waiters: [] };
      entry = fresh;
      this.pending.set(key, fresh);
      const previous = this.sending.get(key) ?? Promise.resolve();
      const send = previous.then(async () => {
        const wait = (this.lastUpdate.get(key) ?? 0) + this.updateIntervalMs - Date.now();
        if (wait > 0) await sleep(wait);
        // From here on, a newer report starts a new entry, sent after this one.
        this.pending.delete(key);
        try {
          const [first] = renderSlack(fresh.report);
          await this.paced('chat.update', () => this.client.chat.update({ channel: msg.channel, ts: msg.ts, ...withActions(first!, fresh.actions) }));
          fresh.waiters.forEach((w) => w.resolve());
        } catch (err) {
          this.log.error({ err }, 'chat.update failed');
          fresh.waiters.forEach((w) => w.reject(err as Error));
        } finally {
          this.noteUpdate(key);
        }
      });
      this.sending.set(key, send);
      void send.then(() => {
        if (this.sending.get(key) === send) this.sending.delete(key);
      });
    }
    const waiting = entry;
    return new Promise((resolve, reject) => waiting.waiters.push({ resolve, reject }));
  }

  /** Remembers when a message was last updated, forgetting messages not updated for a while. */
  private noteUpdate(key: string): void {
    const now = Date.now();
    for (const [k, at] of this.lastUpdate) if (now - at > this.updateIntervalMs) this.lastUpdate.delete(k);
    this.lastUpdate.set(key, now);
  }

  /**
   * Runs one Web API call, holding it back while its rate-limit key is blocked;
   * a 429 blocks the key for its Retry-After and the call is tried again.
   */
  private async paced<T>(key: string, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (;;) {
      const wait = (this.blockedUntil.get(key) ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const result = await call();
        if ((this.blockedUntil.get(key) ?? 0) <= Date.now()) this.blockedUntil.delete(key);
        return result;
      } catch (err) {
        this.onError(key.split(' ')[0]!, slackErrorCode(err));
        const retryAfter = rateLimitedFor(err);
        if (retryAfter === undefined || Date.now() - started > MAX_RATE_LIMIT_WAIT_MS) throw err;
        const until = Date.now() + retryAfter * 1000;
        this.blockedUntil.set(key, Math.max(until, this.blockedUntil.get(key) ?? 0));
        this.log.info({ key, retryAfter }, 'Slack rate limit: waiting before trying again');
      }
    }
  }

  /** An ephemeral answer through the slash command's response_url (no channel rate limit applies). */
  async respond(respond: Responder, report: Report): Promise<void> {
    await respondWith(respond, report);
  }
}

/** How a request is answered through its response_url (Bolt's `respond`, or a plain POST to it). */
export type Responder = (msg: SlackMessage & { response_type: 'ephemeral' | 'in_channel'; replace_original?: boolean }) => Promise<unknown>;

/** Answers `report` through a response_url, shown only to the user who asked. */
export async function respondWith(respond: Responder, report: Report): Promise<void> {
  const [first] = renderSlack(report);
  await respond({ ...first!, response_type: 'ephemeral' });
}

function withActions(msg: SlackMessage, actions?: MessageAction[]): SlackMessage {
  if (!actions?.length) return msg;
  const block = {
    type: 'actions',
    elements: actions.map((a) => ({
      type: 'button',
      action_id: a.actionId,
      text: { type: 'plain_text', text: a.text },
      value: a.value,
      ...(a.style ? { style: a.style } : {}),
      ...(a.confirm ? { confirm: a.confirm } : {}),
    })),
  };
  return { ...msg, blocks: [...msg.blocks.slice(0, 49), block] };
}

/** Seconds to wait when `err` is Slack's 429 (WebAPIRateLimitedError), at least one; undefined otherwise. */
function rateLimitedFor(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; retryAfter?: unknown };
  return e.code === ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? Math.max(e.retryAfter, 1) : undefined;
}

/** Slack's error code of a failed Web API call, else `http_<status>` or the client's error code. */
export function slackErrorCode(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  if (e.code === ErrorCode.RateLimitedError) return 'ratelimited';
  if (typeof e.data?.error === 'string') return e.data.error;
  if (typeof e.statusCode === 'number') return `http_${e.statusCode}`;
  return typeof e.code === 'string' ? e.code : 'unknown';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
