/**
 * Posts reports to Slack within its limits: the renderer keeps each message
 * within Block Kit's, this keeps ferry within the rate limits.
 *
 * - Posts to one channel start in order, about a second apart (chat.postMessage
 *   allows about one message a second per channel, with short bursts), several
 *   in flight at once when Slack answers slowly (see post-lanes.ts).
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
import { ErrorCode, type ChatPostMessageArguments, type WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { escapeMrkdwn, renderSlack, type SlackMessage } from './blocks.js';
import { confirmDialog, type ConfirmDialog } from './confirm-dialog.js';
import { PostLanes, systemClock, type Clock } from './post-lanes.js';

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

/** Spacing of two post starts in one channel (Slack: about one message a second per channel). */
export const POST_INTERVAL_MS = 1000;

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

export interface PosterOptions {
  /** Minimum spacing of two updates of the same message (default UPDATE_INTERVAL_MS). */
  updateIntervalMs?: number;
  /** Spacing of two post starts in one channel (default POST_INTERVAL_MS). */
  postIntervalMs?: number;
  /** Told of every failed Web API call (metrics): the method and Slack's error code, `ratelimited` for a 429. */
  onError?: (method: string, error: string) => void;
  clock?: Clock;
}

export class SlackPoster {
  /** Per message: the update waiting to be sent (later calls replace its report). */
  private readonly pending = new Map<string, PendingUpdate>();
  /** Per message: the update being sent; the next one starts after it. */
  private readonly sending = new Map<string, Promise<void>>();
  private readonly lastUpdate = new Map<string, number>();
  /** Per rate-limit key: no call before this time (ms since the epoch). */
  private readonly blockedUntil = new Map<string, number>();
  private readonly updateIntervalMs: number;
  private readonly onError: (method: string, error: string) => void;
  private readonly clock: Clock;
  private readonly lanes: PostLanes;

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    opts: PosterOptions = {},
  ) {
    this.updateIntervalMs = opts.updateIntervalMs ?? UPDATE_INTERVAL_MS;
    this.onError = opts.onError ?? (() => {});
    this.clock = opts.clock ?? systemClock;
    this.lanes = new PostLanes(opts.postIntervalMs ?? POST_INTERVAL_MS, this.clock, (channel) => this.blockedFor(postKey(channel)));
  }

  /** Posts a report in a channel; tables that do not fit go as replies in its thread. */
  async post(channel: string, report: Report, actions?: MessageAction[]): Promise<PostedMessage> {
    const [first, ...rest] = renderSlack(report);
    const main = await this.postMessage({ channel, ...withActions(first!, actions) });
    const ts = main.ts as string;
    for (const reply of rest) await this.postMessage({ channel, thread_ts: ts, ...reply });
    return { channel: (main.channel as string) ?? channel, ts };
  }

  /**
   * One line of mrkdwn in a message's thread (a new message: its mentions notify,
   * which an update in place does not). User mentions stay; other markup is escaped.
   */
  reply(msg: PostedMessage, line: string): Promise<PostedMessage> {
    const text = escapeMrkdwn(line.length > 3000 ? `${line.slice(0, 2999)}…` : line);
    return this.postMessage({ channel: msg.channel, thread_ts: msg.ts, text }).then((r) => ({ channel: msg.channel, ts: r.ts as string }));
  }

  /**
   * One chat.postMessage, in its channel's line from the moment it is asked for:
   * it starts when the lane gives it its turn (again after a 429).
   */
  private postMessage(args: ChatPostMessageArguments & { channel: string }) {
    const turn = this.lanes.place(args.channel);
    return this.paced(postKey(args.channel), () => this.client.chat.postMessage(args), turn);
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
        const wait = (this.lastUpdate.get(key) ?? 0) + this.updateIntervalMs - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
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
    const now = this.clock.now();
    for (const [k, at] of this.lastUpdate) if (now - at > this.updateIntervalMs) this.lastUpdate.delete(k);
    this.lastUpdate.set(key, now);
  }

  /**
   * Runs one Web API call when `turn` resolves (by default: once its rate-limit
   * key is not blocked); a 429 blocks the key for its Retry-After and the call
   * is tried again, at its next turn.
   */
  private async paced<T>(key: string, call: () => Promise<T>, turn = () => this.unblocked(key)): Promise<T> {
    const started = this.clock.now();
    for (;;) {
      await turn();
      try {
        const result = await call();
        if (this.blockedFor(key) === 0) this.blockedUntil.delete(key);
        return result;
      } catch (err) {
        this.onError(key.split(' ')[0]!, slackErrorCode(err));
        const retryAfter = rateLimitedFor(err);
        if (retryAfter === undefined || this.clock.now() - started > MAX_RATE_LIMIT_WAIT_MS) throw err;
        const until = this.clock.now() + retryAfter * 1000;
        this.blockedUntil.set(key, Math.max(until, this.blockedUntil.get(key) ?? 0));
        this.log.info({ key, retryAfter }, 'Slack rate limit: waiting before trying again');
      }
    }
  }

  /** Resolves once `key` is not rate-limited, waiting out as well a Retry-After that arrives meanwhile. */
  private async unblocked(key: string): Promise<void> {
    for (let wait = this.blockedFor(key); wait > 0; wait = this.blockedFor(key)) await this.clock.sleep(wait);
  }

  /** ms until `key`'s Retry-After has passed; 0 when it is not rate-limited. */
  private blockedFor(key: string): number {
    return Math.max(0, (this.blockedUntil.get(key) ?? 0) - this.clock.now());
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

/** chat.postMessage is rate-limited per channel. */
function postKey(channel: string): string {
  return `chat.postMessage ${channel}`;
}
