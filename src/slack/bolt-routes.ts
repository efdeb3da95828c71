/**
 * Bolt in the command thread: the acking thread (ack-server.ts, socket-link.ts) has
 * verified and acked each request already, and hands its body here (a slash command's
 * form still to parse); a Bolt App routes it to ferry's listeners, which run the work
 * (answers.ts). Bolt's Receiver is the seam between the network and the app: ferry's
 * receiver is split across the two threads, and this half only delivers.
 */
import { App, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../log.js';
import { boltLogger } from './bolt-logger.js';
import type { Answers } from './answers.js';
import type { DeliveredRequest } from './answer-protocol.js';
import { parsedBody } from './slack-request.js';

export interface BoltRoutes {
  /** Routes one acked request; resolves when its work is over. */
  deliver(req: DeliveredRequest): Promise<void>;
}

// Every slash command routed here is answered: one the catalog does not know gets the router's
// "unknown command" (an unanswered one would leave the user with Slack's "dispatch_failed").
const SLASH = /^\/\S+$/;

/** Bolt's side of the split receiver: no network, nothing to start. */
class DeliveredReceiver implements Receiver {
  init() {}
  start = async () => undefined;
  stop = async () => undefined;
}

// The ack went out in the acking thread; a listener's ack() only satisfies Bolt.
const acked = async () => {};

export function createBoltRoutes(o: { token: string; answers: Answers; log: Logger; clientOptions: { slackApiUrl?: string } }): BoltRoutes {
  const { answers, log } = o;
  const app = new App({
    receiver: new DeliveredReceiver(),
    logger: boltLogger(log),
    logLevel: LogLevel.WARN,
    clientOptions: o.clientOptions,
    convoStore: false,
    // The token was checked once at start (token-check.ts); Bolt's `token` option would ask auth.test per request.
    authorize: async () => ({ botToken: o.token }),
  });

  app.command(SLASH, async ({ command, ack }) => {
    await ack();
    const line = `${command.command} ${command.text}`.trim();
    await answers.line({ line, userId: command.user_id, channelId: command.channel_id, channelName: command.channel_name, requestId: command.trigger_id, dedupKey: `cmd:${command.trigger_id}`, responseUrl: command.response_url });
  });

  // A button offering a slash line (e.g. /migrate abort cirros1 under /evacuate cancel): the presser's own
  // request, routed, role-checked and audited exactly as if they had typed it.
  app.action(/^ferry_run_\d+$/, async ({ action, body, ack }) => {
    await ack();
    if (body.type !== 'block_actions' || !('value' in action) || typeof action.value !== 'string') return;
    const channel = body.channel as { id?: string; name?: string } | undefined;
    await answers.line({ line: action.value, userId: body.user.id, channelId: channel?.id ?? '', channelName: channel?.name ?? '', requestId: body.trigger_id, dedupKey: `act:${body.trigger_id}`, responseUrl: body.response_url });
  });

  app.action(/^ferry_(approve|reject)$/, async ({ action, body, ack }) => {
    await ack();
    if (body.type !== 'block_actions' || !('action_id' in action) || !('value' in action)) return;
    const decision = action.action_id === 'ferry_approve' ? 'approve' : 'reject';
    await answers.approval({ approvalId: String(action.value ?? ''), decision, userId: body.user.id, channel: body.channel?.id ?? '', dedupKey: `act:${body.trigger_id}`, responseUrl: body.response_url });
  });

  // The Home tab: published when opened, and again when what it shows changes (home-refresh.ts).
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') await answers.homeOpened(event.user);
  });

  app.error(async (err) => {
    log.error({ err }, 'bolt error');
  });

  return {
    async deliver(req) {
      const event: ReceiverEvent = { body: parsedBody(req.body), ack: acked, retryNum: req.retryNum, retryReason: req.retryReason };
      await app.processEvent(event);
    },
  };
}
