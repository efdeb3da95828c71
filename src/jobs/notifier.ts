/**
 * The port through which jobs and commands show messages beyond a job's own
 * BullMQ progress: the surface provides it (src/slack/slack-notifier.ts for
 * Slack), so the jobs layer knows no chat client.
 */
import type { Report } from '../report.js';

/** Where a posted message is (a Slack channel and ts), so another process can update it. */
export interface MessageRef {
  channel: string;
  ts: string;
}

export interface Notifier {
  /** Replaces the message with the report (throttled); resolves when sent or given up. */
  update(message: MessageRef | undefined, report: Report): Promise<void>;
  /** A new message in a channel (an evacuation's summary, an approval request). */
  post(channel: string, report: Report): Promise<MessageRef | undefined>;
  /**
   * One line in the message's thread, as a new message so that its mentions
   * notify (an update in place notifies nobody); nothing for a CLI request.
   * Resolves when sent or given up.
   */
  reply(message: MessageRef | undefined, line: string): Promise<void>;
}

/** A notifier that shows nothing (a process without a chat surface: jobs show only their own progress). */
export const quietNotifier: Notifier = {
  update: async () => undefined,
  post: async () => undefined,
  reply: async () => undefined,
};

/**
 * A notifier built on first use: the terminal commands load the Slack client
 * only when a job or command really has a message to show.
 */
export function lazyNotifier(load: () => Promise<Notifier>): Notifier {
  let loaded: Promise<Notifier> | undefined;
  const get = () => (loaded ??= load());
  return {
    update: async (message, report) => (await get()).update(message, report),
    post: async (channel, report) => (await get()).post(channel, report),
    reply: async (message, line) => (await get()).reply(message, line),
  };
}
