/**
 * The Bolt app: Socket Mode when an app token is set, otherwise the HTTP
 * receiver at /slack/events (signatures and timestamps verified by Bolt).
 * Every slash command is acked at once, from memory (no Slack API call, no
 * Redis), then deduplicated, role-checked and dispatched; a redelivered request
 * (same trigger_id) runs nothing twice.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { MessageRef } from '../jobs/notifier.js';
import type { Config, Role } from '../config.js';
import type { Ferry } from '../ferry.js';
import type { Logger } from '../log.js';
import { boltLogger } from './bolt-logger.js';
import { dispatch, type DispatchDeps } from '../dispatch.js';
import { report as makeReport, type Report } from '../report.js';
import { SlackPoster, approvalActions, lineActions, slackErrorCode, type MessageAction } from './poster.js';
import { GroupRoles } from './group-roles.js';
import { createNotifier } from './slack-notifier.js';
import { tokenCheck } from './token-check.js';
import { startHomeRefresh } from './home-refresh.js';
import { createMetrics, type AckKind, type Metrics } from '../metrics.js';
import { HEALTH_PATHS, createHealth, redisReady, type Health } from '../health.js';

export interface SlackAppOptions {
  config: Config;
  /** The process built by createFerry: the dispatcher's dependencies come from it, and job messages go through this app's poster. */
  ferry: Ferry & { redis: Redis };
  log: Logger;
  /** HTTP mode: where to listen (default 127.0.0.1:PORT). */
  host?: string;
  port?: number;
  /** Decides an approval button press; the evacuation and bootstrap flows provide it. */
  /** Built here when not given; serve passes its own so Socket Mode can serve them on a port of their own. */
  metrics?: Metrics;
  health?: Health;
  /** Retry pacing of the background token check (tests make it short). */
  tokenRetry?: { retryMs?: number; maxRetryMs?: number };
  onApproval?: (args: { approvalId: string; decision: 'approve' | 'reject'; userId: string; role: Role | null; channel: string }) => Promise<Report>;
}

export interface SlackApp {
  app: App;
  poster: SlackPoster;
  metrics: Metrics;
  health: Health;
  /** Starts listening (HTTP) or connecting (Socket Mode); returns the HTTP port, if any. */
  start(): Promise<number | undefined>;
  /** Stops taking requests, waits for commands in flight, then stops. */
  stop(): Promise<void>;
}

// Every slash command routed here is answered: one the catalog does not know gets the router's
// "unknown command" (an unanswered one would leave the user with Slack's "dispatch_failed").
const SLASH = /^\/\S+$/;

const stoppingReport = makeReport({ title: 'ferry is restarting', verdict: 'FAIL', reasons: ['nothing was run; try again in a minute'] });

/**
 * The answer, shown only to the caller, when ferry cannot post in the channel
 * (chat.postMessage said not_in_channel): what to do first, then the report.
 */
function notInChannelReport(r: Report, channelName: string): Report {
  const where = channelName ? `#${channelName}` : 'this channel';
  return { ...r, reasons: [`ferry is not in ${where}: invite @ferry to ${where} (/invite @ferry), then ask again; this answer is shown only to you`, ...r.reasons] };
}

const isNotInChannel = (err: unknown) => slackErrorCode(err) === 'not_in_channel';

/** What the user sees when ferry could not answer (Redis or Slack failing under it). */
function failedReport(err: Error): Report {
  return makeReport({ title: 'ferry could not answer', verdict: 'FAIL', reasons: [err.message], notes: ['The details are in ferry’s log.'] });
}

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, log } = opts;
  const runtime = opts.ferry;
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
  health.ready('slack-token', () => tokenChecker.problem());
  health.ready('redis', redisReady(runtime.redis));
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
    // Answered from memory: Bolt's `token` option would call auth.test before every ack (see token-check.ts).
    authorize: async () => tokenChecker.authorization(),
  });
  // The poster paces itself by Retry-After (per channel, per method), so its client hands 429s back instead of waiting.
  const api = new WebClient(token, { ...clientOptions, logger: quietLog, rejectRateLimitedCalls: true });
  const poster = new SlackPoster(api, log, { postIntervalMs: env.SLACK_POST_INTERVAL_MS, onError: (method, error) => metrics.slackError(method, error) });
  const groups = new GroupRoles(new WebClient(token, { ...clientOptions, logger: quietLog }), config, log);
  runtime.notifyThrough(createNotifier(config, log, poster));
  const deps: DispatchDeps = runtime.dispatchDeps({
    resolveRole: (userId) => groups.roleOf(userId),
    onOutcome: (command, outcome) => metrics.command(command, outcome),
  });
  runtime.ssh.observe((o) => metrics.sshExec(o));
  if (runtime.jobs) metrics.watchJobs(runtime.jobs);
  const acked = (kind: AckKind, context: Record<string, unknown>) => {
    if (typeof context.receivedAt === 'number') metrics.ack(kind, (performance.now() - context.receivedAt) / 1000);
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };
  /** true the first time a key is seen; a redelivery finds it taken. */
  const firstTime = runtime.firstDelivery;

  type Respond = Parameters<SlackPoster['respond']>[0];
  /**
   * Runs one slash line for one user and answers in the channel (or only to them): the
   * path of every slash command, and of a button that offers a line (see lineActions).
   */
  const answer = (req: { line: string; userId: string; channelId: string; channelName: string; requestId: string; dedupKey: string }, respond: Respond) =>
    track(
      (async () => {
        if (!serving) return poster.respond(respond, stoppingReport);
        if (!(await firstTime(req.dedupKey))) return;
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
      })().catch(async (err: Error) => {
        log.error({ err, line: req.line }, 'answering a slash command failed');
        // The user would otherwise see nothing at all; the response_url may work where the Web API did not.
        await poster.respond(respond, failedReport(err)).catch(() => {});
      }),
    );

  app.command(SLASH, async ({ command, ack, respond, context }) => {
    await ack();
    acked('command', context);
    const line = `${command.command} ${command.text}`.trim();
    // Tracked from the ack on, so stop() waits for it even before it reaches the dispatcher.
    await answer({ line, userId: command.user_id, channelId: command.channel_id, channelName: command.channel_name, requestId: command.trigger_id, dedupKey: `cmd:${command.trigger_id}` }, respond);
  });

  // A button offering a slash line (e.g. /migrate abort cirros1 under /evacuate cancel): the presser's own
  // request, routed, role-checked and audited exactly as if they had typed it.
  app.action(/^ferry_run_\d+$/, async ({ action, body, ack, respond, context }) => {
    await ack();
    acked('action', context);
    if (body.type !== 'block_actions' || !('value' in action) || typeof action.value !== 'string') return;
    const channel = body.channel as { id?: string; name?: string } | undefined;
    await answer({ line: action.value, userId: body.user.id, channelId: channel?.id ?? '', channelName: channel?.name ?? '', requestId: body.trigger_id, dedupKey: `act:${body.trigger_id}` }, respond);
  });

  app.action(/^ferry_(approve|reject)$/, async ({ action, body, ack, respond, context }) => {
    await ack();
    acked('action', context);
    if (body.type !== 'block_actions' || !('action_id' in action) || !('value' in action)) return;
    const decision = action.action_id === 'ferry_approve' ? 'approve' : 'reject';
    const channel = body.channel?.id ?? '';
    await track(
      (async () => {
        if (!serving) return poster.respond(respond, stoppingReport);
        if (!(await firstTime(`act:${body.trigger_id}`))) return;
        const result = opts.onApproval
          ? await opts.onApproval({ approvalId: String(action.value ?? ''), decision, userId: body.user.id, role: await groups.roleOf(body.user.id), channel })
          : makeReport({ title: 'Approvals are not handled by this ferry process', verdict: 'FAIL' });
        await poster.respond(respond, result);
      })().catch(async (err: Error) => {
        log.error({ err }, 'handling an approval button failed');
        await poster.respond(respond, failedReport(err)).catch(() => {});
      }),
    );
  });

  // The Home tab: published when opened, and again when what it shows changes (home-refresh.ts).
  const home = runtime.jobs ? startHomeRefresh({ jobs: runtime.jobs, client: new WebClient(token, { ...clientOptions, logger: quietLog }), log, redisUrl: config.redis.url, mayView: async (id) => (await groups.roleOf(id)) !== null }) : undefined;
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home' || !home) return;
    await track(home.opened(event.user).catch((err: Error) => log.error({ err }, 'publishing the App Home failed')));
  });

  app.error(async (err) => {
    log.error({ err }, 'bolt error');
  });

  return {
    app,
    poster,
    metrics,
    health,
    async start() {
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
      await Promise.allSettled([...inFlight]);
      await home?.close();
      await app.stop();
    },
  };
}

