/**
 * ferry's Slack side in the acking thread: Socket Mode when an app token is set
 * (socket-link.ts), otherwise HTTP at /slack/events (ack-server.ts, signatures and
 * timestamps verified there). Every request is acked at once, from memory (no
 * Slack API call, no Redis, no routing), then handed to the command thread
 * (answer-thread.ts), where Bolt routes it and ferry deduplicates, role-checks,
 * dispatches and answers: this thread only acks, so a busy ferry still acks within
 * Slack's 3 s. A redelivered request (same trigger_id) runs nothing twice.
 */
import { LogLevel } from '@slack/logger';
import { WebClient } from '@slack/web-api';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { QueueName } from '../jobs/jobs.js';
import { boltLogger } from './bolt-logger.js';
import { slackClientOptions } from './client-options.js';
import { report as makeReport } from '../report.js';
import { respondWith } from './poster.js';
import { responseUrlAnswer } from './answers.js';
import { tokenCheck } from './token-check.js';
import { createAnswerThread } from './answer-thread.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createHealth, type Health } from '../health.js';
import { createAckServer, type AckedRequest } from './ack-server.js';
import { createSocketLink } from './socket-link.js';
import { aboutRequest, requestKind } from './slack-request.js';

export interface SlackAppOptions {
  config: Config;
  log: Logger;
  /** HTTP mode: where to listen (default 127.0.0.1:PORT). */
  host?: string;
  port?: number;
  /** Run the migration, evacuation and bootstrap workers in the command thread too (default true). */
  jobWorkers?: boolean;
  /** Built here when not given; serve passes its own so Socket Mode can serve them on a port of their own. */
  metrics?: Metrics;
  health?: Health;
  /** Retry pacing of the background token check (tests make it short). */
  tokenRetry?: { retryMs?: number; maxRetryMs?: number };
  /** The command thread's module (tests wrap the real one to end the thread as a crash would). */
  commandThreadEntry?: URL;
  /** How long stopping waits for the commands in flight (tests make it short). */
  stopWaitMs?: number;
}

export interface SlackApp {
  metrics: Metrics;
  health: Health;
  /** Starts the command thread, then listens (HTTP) or connects (Socket Mode); returns the HTTP port, if any. */
  start(): Promise<number | undefined>;
  /** Stops taking requests, waits for commands in flight, then stops. */
  stop(): Promise<void>;
}

const stoppingReport = makeReport({ title: 'ferry is restarting', verdict: 'FAIL', reasons: ['nothing was run; try again in a minute'] });

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, log } = opts;
  const env = config.env;
  const token = env.SLACK_BOT_TOKEN;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  if (!socketMode && !env.SLACK_SIGNING_SECRET) throw new Error('SLACK_SIGNING_SECRET is not set (needed in HTTP mode, without SLACK_APP_TOKEN)');
  let serving = true;
  const metrics = opts.metrics ?? createMetrics();
  const health = opts.health ?? createHealth(metrics);
  const clientOptions = slackClientOptions(env);
  const quietLog = boltLogger(log);
  quietLog.setLevel(LogLevel.WARN);
  // auth.test once at start, retried by the check itself (the client's own retries would only delay the next try).
  const tokenChecker = tokenCheck(new WebClient(token, { ...clientOptions, logger: quietLog, retryConfig: { retries: 0 }, timeout: 10_000 }), token, log, {
    ...opts.tokenRetry,
    onError: (error) => metrics.slackError('auth.test', error),
  });
  const work = createAnswerThread({ config, jobWorkers: opts.jobWorkers ?? true, log, metrics, entry: opts.commandThreadEntry, stopWaitMs: opts.stopWaitMs });
  health.ready('slack-token', () => tokenChecker.problem());
  // Redis is the command thread's: it answers whether its connection is ready.
  health.ready('redis', async () => (await work.ask({ what: 'redis-ready' })) as string | undefined);

  /** Called once the request is acked. */
  const acked = ({ body, receivedAt, retryNum, retryReason }: AckedRequest) => {
    const kind = requestKind(body);
    if (kind !== 'event') metrics.ack(kind, (performance.now() - receivedAt) / 1000);
    // What the user calls it and where to answer: read from the body only if this thread must answer.
    if (serving) return work.request({ body, retryNum, retryReason }, () => aboutRequest(body));
    const about = aboutRequest(body);
    if (about.responseUrl) void respondWith(responseUrlAnswer(about.responseUrl), stoppingReport).catch((err: Error) => log.warn({ err }, 'could not tell the user ferry is restarting'));
  };
  const link = socketMode ? createSocketLink({ appToken: env.SLACK_APP_TOKEN!, log, clientOptions, onRequest: acked }) : undefined;
  const server = socketMode ? undefined : createAckServer({ signingSecret: env.SLACK_SIGNING_SECRET!, health, log, onRequest: acked });

  return {
    metrics,
    health,
    async start() {
      const { jobs } = await work.start();
      // The command thread sends its metrics in batches: a scrape first takes in what it has not sent yet.
      metrics.beforeScrape(() => work.ask({ what: 'flush' }));
      // Job counts live in the command thread's Redis: read there at each scrape.
      if (jobs) metrics.watchJobs({ queue: (queue: QueueName) => ({ getJobCounts: async (...states: string[]) => (await work.ask({ what: 'job-counts', queue, states })) as Record<string, number> }) });
      tokenChecker.start();
      if (link) return void (await link.start());
      return server!.listen(opts.port ?? env.PORT, opts.host ?? '127.0.0.1');
    },
    async stop() {
      serving = false;
      health.stopping();
      tokenChecker.stop();
      await work.stop();
      await Promise.all([link?.stop(), server?.close()]);
    },
  };
}
