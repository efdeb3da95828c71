/**
 * The work behind every acked Slack request, run in the work thread (answer-worker.ts):
 * dedup (a redelivery runs nothing twice), role lookup, dispatch, the channel message
 * and its updates, the response_url answer, approval presses and the App Home.
 */
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { MessageRef } from '../jobs/notifier.js';
import type { Config } from '../config.js';
import type { Ferry } from '../ferry.js';
import type { Logger } from '../log.js';
import { LogLevel } from '@slack/bolt';
import { boltLogger } from './bolt-logger.js';
import { slackClientOptions } from './client-options.js';
import { dispatch, type DispatchDeps } from '../dispatch.js';
import { report as makeReport, type Report } from '../report.js';
import { SlackPoster, approvalActions, lineActions, slackErrorCode, type MessageAction } from './poster.js';
import { GroupRoles } from './group-roles.js';
import { createNotifier } from './slack-notifier.js';
import { startHomeRefresh } from './home-refresh.js';
import type { ApprovalRequest, LineRequest, MetricEvent } from './answer-protocol.js';

/** What the user sees when ferry could not answer (Redis or Slack failing under it). */
export function failedReport(err: Error): Report {
  return makeReport({ title: 'ferry could not answer', verdict: 'FAIL', reasons: [err.message], notes: ['The details are in ferry’s log.'] });
}

/**
 * The answer, shown only to the caller, when ferry cannot post in the channel
 * (chat.postMessage said not_in_channel): what to do first, then the report.
 */
function notInChannelReport(r: Report, channelName: string): Report {
  const where = channelName ? `#${channelName}` : 'this channel';
  return { ...r, reasons: [`ferry is not in ${where}: invite @ferry to ${where} (/invite @ferry), then ask again; this answer is shown only to you`, ...r.reasons] };
}

const isNotInChannel = (err: unknown) => slackErrorCode(err) === 'not_in_channel';

/** Answers through a response_url: a plain POST of the message, as Bolt's `respond` does. */
export function responseUrlAnswer(url: string): (msg: object) => Promise<void> {
  return async (msg) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  };
}

export interface Answers {
  /** Runs one slash line and answers in the channel (or only to the user). Never throws. */
  line(req: LineRequest): Promise<void>;
  /** Decides an approval press and answers the presser. Never throws. */
  approval(req: ApprovalRequest): Promise<void>;
  /** Publishes the App Home for a user who opened it. Never throws. */
  homeOpened(userId: string): Promise<void>;
  /** Stops the Home refresh. */
  close(): Promise<void>;
}

/** Builds the answers on `ferry`; metrics counted here go to `metric`. */
export function createAnswers(o: { config: Config; ferry: Ferry & { redis: Redis }; log: Logger; metric: (e: MetricEvent) => void }): Answers {
  const { config, ferry, log, metric } = o;
  const token = config.env.SLACK_BOT_TOKEN!;
  const clientOptions = slackClientOptions(config.env);
  const quietLog = boltLogger(log);
  quietLog.setLevel(LogLevel.WARN);
  // The poster paces itself by Retry-After (per channel, per method), so its client hands 429s back instead of waiting.
  const api = new WebClient(token, { ...clientOptions, logger: quietLog, rejectRateLimitedCalls: true });
  const poster = new SlackPoster(api, log, { postIntervalMs: config.env.SLACK_POST_INTERVAL_MS, onError: (method, error) => metric({ kind: 'slack-error', method, error }) });
  // One client for the reads that may wait out a 429 themselves: user groups and the App Home.
  const reads = new WebClient(token, { ...clientOptions, logger: quietLog });
  const groups = new GroupRoles(reads, config, log);
  ferry.notifyThrough(createNotifier(config, log, poster));
  const deps: DispatchDeps = ferry.dispatchDeps({
    resolveRole: (userId) => groups.roleOf(userId),
    onOutcome: (name, outcome) => metric({ kind: 'command', name, outcome }),
  });
  ferry.ssh.observe((observation) => metric({ kind: 'ssh', observation }));
  const home = ferry.jobs
    ? startHomeRefresh({ jobs: ferry.jobs, client: reads, log, redisUrl: config.redis.url, mayView: async (id) => (await groups.roleOf(id)) !== null })
    : undefined;

  const line = async (req: LineRequest) => {
    const respond = responseUrlAnswer(req.responseUrl);
    try {
      if (!(await ferry.firstDelivery(req.dedupKey))) return;
      let message: MessageRef | undefined;
      // Set once Slack said ferry is not in the channel: the command goes on without a message (as in a terminal).
      let notIn = false;
      const post = async (r: Report, actions?: MessageAction[]) => {
        if (notIn) return undefined;
        return poster.post(req.channelId, r, actions).catch((err: unknown) => {
          if (!isNotInChannel(err)) throw err;
          notIn = true;
          return undefined;
        });
      };
      const progress = async (r: Report) => {
        if (!message) message = await post(r);
        else await poster.update(message, r);
        return message;
      };
      const outcome = await dispatch({ line: req.line, userId: req.userId, channel: req.channelId, requestId: req.requestId, progress }, deps);
      const actions = [...(approvalActions(outcome.report) ?? []), ...lineActions(outcome.report)];
      if (outcome.ephemeral) await poster.respond(respond, outcome.report);
      // A job now owns the message and updates it to the end.
      else if (message && outcome.report.job) return;
      else if (message) await poster.update(message, outcome.report, actions);
      else if (!(await post(outcome.report, actions))) await poster.respond(respond, notInChannelReport(outcome.report, req.channelName));
    } catch (err) {
      log.error({ err, line: req.line }, 'answering a slash command failed');
      // The user would otherwise see nothing at all; the response_url may work where the Web API did not.
      await poster.respond(respond, failedReport(err as Error)).catch(() => {});
    }
  };

  const approval = async (req: ApprovalRequest) => {
    const respond = responseUrlAnswer(req.responseUrl);
    try {
      if (!(await ferry.firstDelivery(req.dedupKey))) return;
      const role = await groups.roleOf(req.userId);
      const result = await ferry.decideApproval({ approvalId: req.approvalId, decision: req.decision, userId: req.userId, role, channel: req.channel });
      await poster.respond(respond, result);
    } catch (err) {
      log.error({ err }, 'handling an approval button failed');
      await poster.respond(respond, failedReport(err as Error)).catch(() => {});
    }
  };

  return {
    line,
    approval,
    homeOpened: async (userId) => {
      if (!home) return;
      await home.opened(userId).catch((err: Error) => log.error({ err }, 'publishing the App Home failed'));
    },
    close: async () => {
      await home?.close();
    },
  };
}
