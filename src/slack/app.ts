/**
 * The Bolt app: Socket Mode when an app token is set, otherwise the HTTP
 * receiver at /slack/events (signatures and timestamps verified by Bolt).
 * Every request is acked at once, from memory (no Slack API call, no Redis),
 * then handed to the command thread (answer-thread.ts), which deduplicates,
 * role-checks, dispatches and answers: this thread only acks, so a busy ferry
 * still acks within Slack's 3 s. A redelivered request (same trigger_id) runs
 * nothing twice.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { QueueName } from '../jobs/jobs.js';
import { boltLogger } from './bolt-logger.js';
import { report as makeReport } from '../report.js';
import { respondWith } from './poster.js';
import { tokenCheck } from './token-check.js';
import { createAnswerThread } from './answer-thread.js';
import { createMetrics, type AckKind, type Metrics } from '../metrics.js';
import { HEALTH_PATHS, createHealth, type Health } from '../health.js';

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
}

export interface SlackApp {
  app: App;
  metrics: Metrics;
  health: Health;
  /** Starts the command thread, then listens (HTTP) or connects (Socket Mode); returns the HTTP port, if any. */
  start(): Promise<number | undefined>;
  /** Stops taking requests, waits for commands in flight, then stops. */
  stop(): Promise<void>;
}

// Every slash command routed here is answered: one the catalog does not know gets the router's
// "unknown command" (an unanswered one would leave the user with Slack's "dispatch_failed").
const SLASH = /^\/\S+$/;

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
  const clientOptions = env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {};
  const quietLog = boltLogger(log);
  quietLog.setLevel(LogLevel.WARN);
  // auth.test once at start, retried by the check itself (the client's own retries would only delay the next try).
  const tokenChecker = tokenCheck(new WebClient(token, { ...clientOptions, logger: quietLog, retryConfig: { retries: 0 }, timeout: 10_000 }), token, log, {
    ...opts.tokenRetry,
    onError: (error) => metrics.slackError('auth.test', error),
  });
  const work = createAnswerThread({ config, jobWorkers: opts.jobWorkers ?? true, log, metrics });
  health.ready('slack-token', () => tokenChecker.problem());
  // Redis is the command thread's: it answers whether its connection is ready.
  health.ready('redis', async () => (await work.ask({ what: 'redis-ready' })) as string | undefined);
  const receivedAt = () => ({ receivedAt: performance.now() });
  const receiver = socketMode
    ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, logger: boltLogger(log), logLevel: LogLevel.WARN, customPropertiesExtractor: receivedAt, installerOptions: { clientOptions } })
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET!,
        logger: boltLogger(log),
        logLevel: LogLevel.WARN,
        customPropertiesExtractor: receivedAt,
        customRoutes: HEALTH_PATHS.map((path) => ({ path, method: ['GET'], handler: (req, res) => void health.handle(req, res) })),
      });
  const app = new App({
    receiver,
    logger: boltLogger(log),
    logLevel: LogLevel.WARN,
    clientOptions,
    // ferry keeps no conversation state; Bolt's store would be work on every request of this thread.
    convoStore: false,
    // Answered from memory: Bolt's `token` option would call auth.test before every ack (see token-check.ts).
    authorize: async () => tokenChecker.authorization(),
  });
  const acked = (kind: AckKind, context: Record<string, unknown>) => {
    if (typeof context.receivedAt === 'number') metrics.ack(kind, (performance.now() - context.receivedAt) / 1000);
  };
  /** false (and the user told ferry is restarting) once stop() has begun. */
  const taking = async (respond: Parameters<typeof respondWith>[0]) => {
    if (serving) return true;
    await respondWith(respond, stoppingReport).catch((err: Error) => log.warn({ err }, 'could not tell the user ferry is restarting'));
    return false;
  };

  app.command(SLASH, async ({ command, ack, respond, context }) => {
    await ack();
    acked('command', context);
    if (!(await taking(respond))) return;
    const line = `${command.command} ${command.text}`.trim();
    work.line({ line, userId: command.user_id, channelId: command.channel_id, channelName: command.channel_name, requestId: command.trigger_id, dedupKey: `cmd:${command.trigger_id}`, responseUrl: command.response_url });
  });

  // A button offering a slash line (e.g. /migrate abort cirros1 under /evacuate cancel): the presser's own
  // request, routed, role-checked and audited exactly as if they had typed it.
  app.action(/^ferry_run_\d+$/, async ({ action, body, ack, respond, context }) => {
    await ack();
    acked('action', context);
    if (body.type !== 'block_actions' || !('value' in action) || typeof action.value !== 'string') return;
    if (!(await taking(respond))) return;
    const channel = body.channel as { id?: string; name?: string } | undefined;
    work.line({ line: action.value, userId: body.user.id, channelId: channel?.id ?? '', channelName: channel?.name ?? '', requestId: body.trigger_id, dedupKey: `act:${body.trigger_id}`, responseUrl: body.response_url });
  });

  app.action(/^ferry_(approve|reject)$/, async ({ action, body, ack, respond, context }) => {
    await ack();
    acked('action', context);
    if (body.type !== 'block_actions' || !('action_id' in action) || !('value' in action)) return;
    if (!(await taking(respond))) return;
    const decision = action.action_id === 'ferry_approve' ? 'approve' : 'reject';
    work.approval({ approvalId: String(action.value ?? ''), decision, userId: body.user.id, channel: body.channel?.id ?? '', dedupKey: `act:${body.trigger_id}`, responseUrl: body.response_url });
  });

  // The Home tab: published when opened, and again when what it shows changes (home-refresh.ts, in the command thread).
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home' || !serving) return;
    work.home(event.user);
  });

  app.error(async (err) => {
    log.error({ err }, 'bolt error');
  });

  return {
    app,
    metrics,
    health,
    async start() {
      const { jobs } = await work.start();
      // The command thread sends its metrics in batches: a scrape first takes in what it has not sent yet.
      metrics.beforeScrape(() => work.ask({ what: 'flush' }));
      // Job counts live in the command thread's Redis: read there at each scrape.
      if (jobs) metrics.watchJobs({ queue: (queue: QueueName) => ({ getJobCounts: async (...states: string[]) => (await work.ask({ what: 'job-counts', queue, states })) as Record<string, number> }) });
      tokenChecker.start();
      if (socketMode) {
        await app.start();
        return undefined;
      }
      const server = (await app.start({ port: opts.port ?? env.PORT, host: opts.host ?? '127.0.0.1' })) as Server;
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      serving = false;
      health.stopping();
      tokenChecker.stop();
      await work.stop();
      await app.stop();
    },
  };
}
