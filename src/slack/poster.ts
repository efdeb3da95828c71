/**
 * Posts reports to Slack within its limits: the renderer keeps each message
 * within Block Kit's, this keeps ferry within the rate limits. Updates of one
 * message are coalesced (the newest wins) and spaced out, because chat.update
 * is a Tier 3 method (about 50 a minute) and a progress message may change
 * every second. The WebClient itself waits out any 429's Retry-After.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { renderSlack, type SlackMessage } from './blocks.js';

/** Buttons under a message (approvals). */
export interface MessageAction {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

/** Minimum spacing of two updates of the same message. */
export const UPDATE_INTERVAL_MS = 1300;

export class SlackPoster {
  private readonly pending = new Map<string, { report: Report; actions?: MessageAction[]; waiters: (() => void)[] }>();
  private readonly lastUpdate = new Map<string, number>();

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    private readonly updateIntervalMs = UPDATE_INTERVAL_MS,
  ) {}

  /** Posts a report in a channel; tables that do not fit go as replies in its thread. */
  async post(channel: string, report: Report, actions?: MessageAction[]): Promise<PostedMessage> {
    const [first, ...rest] = renderSlack(report);
    const main = await this.client.chat.postMessage({ channel, ...withActions(first!, actions) });
    const ts = main.ts as string;
    for (const reply of rest) await this.client.chat.postMessage({ channel, thread_ts: ts, ...reply });
    return { channel: (main.channel as string) ?? channel, ts };
  }

  /**
   * Replaces a message's content. Calls arriving faster than the update interval
   * are coalesced: only the newest report is sent. Resolves once it (or a newer one) is sent.
   */
  update(msg: PostedMessage, report: Report, actions?: MessageAction[]): Promise<void> {
    const key = `${msg.channel}/${msg.ts}`;
    const queued = this.pending.get(key);
    if (queued) {
      queued.report = report;
      queued.actions = actions;
      return new Promise((resolve) => queued.waiters.push(resolve));
    }
    const entry = { report, actions, waiters: [] as (() => void)[] };
    this.pending.set(key, entry);
    const wait = Math.max(0, (this.lastUpdate.get(key) ?? 0) + this.updateIntervalMs - Date.now());
    return new Promise((resolve, reject) => {
      entry.waiters.push(resolve);
      setTimeout(() => {
        this.pending.delete(key);
        this.lastUpdate.set(key, Date.now());
        const [first] = renderSlack(entry.report);
        this.client.chat
          .update({ channel: msg.channel, ts: msg.ts, ...withActions(first!, entry.actions) })
          .then(() => entry.waiters.forEach((w) => w()))
          .catch((err: Error) => {
            this.log.error({ err }, 'chat.update failed');
            reject(err);
          });
      }, wait);
    });
  }

  /** An ephemeral answer through the slash command's response_url (no channel rate limit applies). */
  async respond(respond: (msg: SlackMessage & { response_type: 'ephemeral' | 'in_channel'; replace_original?: boolean }) => Promise<unknown>, report: Report): Promise<void> {
    const [first] = renderSlack(report);
    await respond({ ...first!, response_type: 'ephemeral' });
  }
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
    })),
  };
  return { ...msg, blocks: [...msg.blocks.slice(0, 49), block] };
}
