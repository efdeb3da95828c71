/** The jobs' Notifier port on Slack: job messages updated in place, posts and thread replies through a SlackPoster. */
import { WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { quietNotifier, type Notifier } from '../jobs/notifier.js';
import { SlackPoster, approvalActions } from './poster.js';
import { slackClientOptions } from './client-options.js';

/** Slack when a bot token is configured (or a poster is given); otherwise nothing beyond the job's own progress. */
export function createNotifier(config: Config, log: Logger, poster?: SlackPoster): Notifier {
  const token = config.env.SLACK_BOT_TOKEN;
  const slack = poster ?? (token ? new SlackPoster(new WebClient(token, slackClientOptions(config.env)), log, { postIntervalMs: config.env.SLACK_POST_INTERVAL_MS }) : undefined);
  if (!slack) return quietNotifier;
  return {
    async update(message, report) {
      if (!message || message.channel === 'cli') return;
      await slack.update(message, report, approvalActions(report)).catch((err: Error) => log.warn({ err }, 'progress update not shown'));
    },
    async post(channel, report) {
      if (channel === 'cli') return undefined;
      return slack.post(channel, report, approvalActions(report)).catch((err: Error) => {
        log.warn({ err }, 'message not posted');
        return undefined;
      });
    },
    async reply(message, line) {
      if (!message || message.channel === 'cli') return;
      await slack.reply(message, line).catch((err: Error) => log.warn({ err }, 'thread reply not posted'));
    },
  };
}
