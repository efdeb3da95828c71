/** Signed requests exactly as Slack sends them to an HTTP-mode app. */
import { createHmac, randomUUID } from 'node:crypto';

export interface SignedOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replace the signature (a forged request). */
  signature?: string;
  /** X-Slack-Retry-Num, for a redelivery. */
  retryNum?: number;
  /** Default: a form body (slash commands, buttons); events come as JSON. */
  contentType?: string;
}

export interface SentRequest {
  status: number;
  body: string;
  ms: number;
}

/** POSTs a form body to `url`, signed with v0 HMAC-SHA256 over `v0:timestamp:body`. */
export async function postSigned(url: string, body: string, opts: SignedOptions): Promise<SentRequest> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? `v0=${createHmac('sha256', opts.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signature,
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}

/** The form body of a slash command. */
export function slashBody(line: string, who: { user: string; channel: string; responseUrl: string; triggerId?: string }): string {
  const [command, ...rest] = line.trim().split(' ');
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0FERRY',
    team_domain: 'ferry-test',
    channel_id: who.channel,
    channel_name: 'ops',
    user_id: who.user,
    user_name: who.user.toLowerCase(),
    command: command!,
    text: rest.join(' '),
    api_app_id: 'A0FERRY',
    is_enterprise_install: 'false',
    response_url: who.responseUrl,
    trigger_id: who.triggerId ?? `${Date.now()}.${randomUUID()}`,
  }).toString();
}

/** The form body of a block_actions button press. */
export function buttonBody(actionId: string, value: string, who: { user: string; channel: string; messageTs: string; responseUrl: string; triggerId?: string }): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FERRY', domain: 'ferry-test' },
    user: { id: who.user, username: who.user.toLowerCase(), team_id: 'T0FERRY' },
    api_app_id: 'A0FERRY',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: who.messageTs, channel_id: who.channel, is_ephemeral: false },
    trigger_id: who.triggerId ?? `${Date.now()}.${randomUUID()}`,
    channel: { id: who.channel, name: 'ops' },
    message: { type: 'message', ts: who.messageTs, text: '' },
    response_url: who.responseUrl,
    actions: [{ type: 'button', action_id: actionId, block_id: 'approval', value, text: { type: 'plain_text', text: actionId }, action_ts: String(Date.now() / 1000) }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The JSON body of an Events API callback (e.g. app_home_opened), as Slack sends it. */
export function eventBody(event: Record<string, unknown> & { type: string }): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0FERRY',
    api_app_id: 'A0FERRY',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0FERRY', user_id: 'U0FERRYBOT', is_bot: true }],
  });
}

/** An app_home_opened event: `user` opened ferry's Home tab. */
export function homeOpenedEvent(user: string): Record<string, unknown> & { type: string } {
  return { type: 'app_home_opened', user, channel: 'D0FERRY', tab: 'home' };
}
