/**
 * The Bolt app: Socket Mode when an app token is set, otherwise the HTTP
 * receiver at /slack/events (signatures and timestamps verified by Bolt).
 * Every slash command is acked at once, then dispatched; a redelivered request
 * (same trigger_id) runs nothing twice.
 */
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { CommandDefinition, MessageRef } from '../command.js';
import type { Config, Role } from '../config.js';
import type { Runtime } from '../runtime.js';
import { boltLogger, type Logger } from '../log.js';
import { dispatch, type DispatchDeps } from '../dispatch.js';
import { report as makeReport, type Report } from '../report.js';
import { SlackPoster, approvalActions } from './poster.js';
import { GroupRoles } from './group-roles.js';

export interface SlackAppOptions {
  config: Config;
  runtime: Runtime & { redis: Redis };
  commands: readonly CommandDefinition[];
  log: Logger;
  /** HTTP mode: where to listen (default 127.0.0.1:PORT). */
  host?: string;
  port?: number;
  /** Decides an approval button press; the evacuation and bootstrap flows provide it. */
  onApproval?: (args: { approvalId: string; decision: 'approve' | 'reject'; userId: string; role: Role | null; channel: string }) => Promise<Report>;
}

export interface SlackApp {
  app: App;
  poster: SlackPoster;
  /** Starts listening (HTTP) or connecting (Socket Mode); returns the HTTP port, if any. */
  start(): Promise<number | undefined>;
  /** Stops taking requests, waits for commands in flight, then stops. */
  stop(): Promise<void>;
}

// Every slash command routed here is answered: one the catalog does not know gets the router's
// "unknown command" (an unanswered one would leave the user with Slack's "dispatch_failed").
const SLASH = /^\/\S+$/;

const stoppingReport = makeReport({ title: 'ferry is restarting', verdict: 'FAIL', reasons: ['nothing was run; try again in a minute'] });

/** What the user sees when ferry could not answer (Redis or Slack failing under it). */
function failedReport(err: Error): Report {
  return makeReport({ title: 'ferry could not answer', verdict: 'FAIL', reasons: [err.message], notes: ['The details are in ferry’s log.'] });
}

export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const { config, runtime, log } = opts;
  const env = config.env;
  if (!env.SLACK_BOT_TOKEN) throw new Error('SLACK_BOT_TOKEN is not set');
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  if (!socketMode && !env.SLACK_SIGNING_SECRET) throw new Error('SLACK_SIGNING_SECRET is not set (needed in HTTP mode, without SLACK_APP_TOKEN)');
  let serving = true;
  const clientOptions = env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {};
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    logger: boltLogger(log),
    logLevel: LogLevel.WARN,
    clientOptions,
    // ferry knows its own token; asking auth.test at start would fail the start while Slack is unreachable.
    tokenVerificationEnabled: false,
    ...(socketMode
      ? { socketMode: true, appToken: env.SLACK_APP_TOKEN }
      : {
          signingSecret: env.SLACK_SIGNING_SECRET,
          customRoutes: [
            {
              path: '/healthz',
              method: ['GET'],
              handler: (_req, res) => {
                res.writeHead(serving ? 200 : 503, { 'content-type': 'text/plain' }).end(serving ? 'ok\n' : 'stopping\n');
              },
            },
          ],
        }),
  });
  // The poster paces itself by Retry-After (per channel, per method), so its client hands 429s back instead of waiting.
  const posterLog = boltLogger(log);
  posterLog.setLevel(LogLevel.WARN);
  const poster = new SlackPoster(new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, logger: posterLog, rejectRateLimitedCalls: true }), log);
  const groups = new GroupRoles(app.client, config, log);
  const deps: DispatchDeps = {
    commands: opts.commands,
    config,
    cluster: runtime.cluster,
    jobs: runtime.jobs,
    audit: runtime.audit,
    log,
    resolveRole: (userId) => groups.roleOf(userId),
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };
  /** true the first time a key is seen; a redelivery finds it taken. */
  const firstTime = runtime.firstDelivery;

  app.command(SLASH, async ({ command, ack, respond }) => {
    await ack();
    const line = `${command.command} ${command.text}`.trim();
    // Tracked from the ack on, so stop() waits for it even before it reaches the dispatcher.
    await track(
      (async () => {
        if (!serving) return poster.respond(respond, stoppingReport);
        if (!(await firstTime(`cmd:${command.trigger_id}`))) return;
        let message: MessageRef | undefined;
        const progress = async (r: Report) => {
          if (!message) message = await poster.post(command.channel_id, r);
          else await poster.update(message, r);
          return message;
        };
        const outcome = await dispatch({ line, userId: command.user_id, channel: command.channel_id, requestId: command.trigger_id, progress }, deps);
        const actions = approvalActions(outcome.report);
        if (outcome.ephemeral) await poster.respond(respond, outcome.report);
        // A job now owns the message and updates it to the end.
        else if (message && outcome.report.job) return;
        else if (message) await poster.update(message, outcome.report, actions);
        else await poster.post(command.channel_id, outcome.report, actions);
      })().catch(async (err: Error) => {
        log.error({ err, line }, 'answering a slash command failed');
        // The user would otherwise see nothing at all; the response_url may work where the Web API did not.
        await poster.respond(respond, failedReport(err)).catch(() => {});
      }),
    );
  });

  app.action(/^ferry_(approve|reject)$/, async ({ action, body, ack, respond }) => {
    await ack();
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

  app.error(async (err) => {
    log.error({ err }, 'bolt error');
  });

  return {
    app,
    poster,
    async start() {
      if (socketMode) {
        await app.start();
        return undefined;
      }
      const server = (await app.start({ port: opts.port ?? env.PORT, host: opts.host ?? '127.0.0.1' })) as Server;
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      serving = false;
      await Promise.allSettled([...inFlight]);
      await app.stop();
    },
  };
}

