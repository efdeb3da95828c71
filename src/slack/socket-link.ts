/**
 * ferry's link to Slack in Socket Mode: a WebSocket Slack's apps.connections.open
 * hands out (Bolt's own Socket Mode client, which reconnects by itself). Each
 * envelope is acked over the socket at once and only then handed on, as
 * ack-server.ts does in HTTP mode; Bolt routes it in the command thread.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { LogLevel } from '@slack/logger';
import type { Logger } from '../log.js';
import { boltLogger } from './bolt-logger.js';
import type { AckedRequest } from './ack-server.js';
import type { SlackBody } from './slack-request.js';

export interface SocketLink {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Envelope {
  ack(response?: Record<string, unknown>): Promise<void>;
  body?: SlackBody;
  retry_num?: number;
  retry_reason?: string;
}

export function createSocketLink(o: { appToken: string; log: Logger; clientOptions: { slackApiUrl?: string }; onRequest(req: AckedRequest): void }): SocketLink {
  const client = new SocketModeClient({ appToken: o.appToken, logger: boltLogger(o.log), logLevel: LogLevel.WARN, clientOptions: o.clientOptions });
  client.on('slack_event', async ({ ack, body, retry_num, retry_reason }: Envelope) => {
    const receivedAt = performance.now();
    try {
      await ack();
    } catch (err) {
      // Slack delivers an envelope it saw no ack for again: running this one as well would run it twice.
      o.log.warn({ err }, 'an envelope could not be acked; Slack will send it again');
      return;
    }
    if (body) o.onRequest({ body, receivedAt, retryNum: retry_num, retryReason: retry_reason });
  });
  return {
    start: async () => void (await client.start()),
    stop: () => client.disconnect(),
  };
}
