/**
 * How a job shows its progress: BullMQ progress events (for `ferry run` and the
 * demo, which wait on the job) and, when the job has a Slack message, that
 * message updated in place.
 */
import { WebClient } from '@slack/web-api';
import type { MessageRef } from '../command.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Report } from '../report.js';
import { SlackPoster, approvalActions } from '../slack/poster.js';

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

/** Slack when a bot token is configured; otherwise nothing beyond the job's own progress. */
export function createNotifier(config: Config, log: Logger, poster?: SlackPoster): Notifier {
  const token = config.env.SLACK_BOT_TOKEN;
  const slack = poster ?? (token ? new SlackPoster(new WebClient(token, config.env.SLACK_API_URL ? { slackApiUrl: config.env.SLACK_API_URL } : {}), log) : undefined);
  return {
    async update(message, report) {
      if (!slack || !message || message.channel === 'cli') return;
      await slack.update(message, report, approvalActions(report)).catch((err: Error) => log.warn({ err }, 'progress update not shown'));
    },
    async post(channel, report) {
      if (!slack || channel === 'cli') return undefined;
      return slack.post(channel, report, approvalActions(report)).catch((err: Error) => {
        log.warn({ err }, 'message not posted');
        return undefined;
      });
    },
    async reply(message, line) {
      if (!slack || !message || message.channel === 'cli') return;
      await slack.reply(message, line).catch((err: Error) => log.warn({ err }, 'thread reply not posted'));
    },
  };
}
