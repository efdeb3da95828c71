/**
 * A local fake of the Slack Web API for tests: a node:http server on 127.0.0.1
 * (port 0) that answers what ferry calls, the way @slack/web-api's WebClient
 * calls it (POST /api/<method>, application/x-www-form-urlencoded with objects
 * such as `blocks` JSON-encoded; JSON bodies work too), plus response_url posts
 * (POST /response/<id>).
 *
 * It keeps the channel state (messages, updated in place with their history),
 * records every call, refuses messages that break Block Kit limits (the same
 * checker the renderer is tested with), checks the token, and when asked
 * rate-limits chat.postMessage (1 a second per channel, short bursts allowed)
 * and chat.update (Tier 3, ~50 a minute) with HTTP 429 + Retry-After, noting
 * clients that come back before Retry-After has passed. `outage()` makes the
 * Web API (or some methods, e.g. auth.test) slow, answer 503 or 429 for a
 * while, or hold each call until the test releases it; `botNotIn()` makes
 * posts in a channel answer not_in_channel.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { slackLimitViolations, slackViewViolations, type SlackLimitCode } from '../../src/slack/blocks.js';
import { confirmViolations } from '../../src/slack/confirm-dialog.js';

/** Rate limits of the fake; Retry-After is in whole seconds, as Slack sends it. */
export interface RateLimits {
  /** chat.postMessage: messages a channel may get at once before the 1-per-interval pace applies. */
  postBurst: number;
  /** chat.postMessage: one more message per channel every this many ms (Slack: 1000). */
  postIntervalMs: number;
  /** chat.update: calls per window, workspace-wide (Slack's Tier 3: 50+ per minute). */
  updateMax: number;
  updateWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { postBurst: 3, postIntervalMs: 1000, updateMax: 50, updateWindowMs: 60_000 };

/** Who the token belongs to (auth.test). */
export interface FakeIdentity {
  teamId: string;
  team: string;
  userId: string;
  user: string;
  botId: string;
}

export interface SlackFakeOptions {
  /** The only token accepted (default `xoxb-ferry-test`). */
  token?: string;
  /** true: the default limits; an object: those limits (the rest default). */
  rateLimit?: boolean | Partial<RateLimits>;
  identity?: Partial<FakeIdentity>;
  /** users.info: user id → fields merged over a plain human user. */
  users?: Record<string, Record<string, unknown>>;
  /** usergroups.users.list: group id → member user ids. */
  usergroups?: Record<string, string[]>;
  /** conversations.info: channel id → its fields (name at least). */
  channels?: Record<string, { name: string } & Record<string, unknown>>;
}

/**
 * Slack's Web API having a bad time: each matching call waits `delayMs` (and
 * for `hold`), then answers `status` (e.g. 503 as a load balancer would, or 429
 * with `retryAfter`) or, without one, normally. `methods` limits it to some
 * methods (default all). The outage a call meets is the one set when it arrives.
 */
export interface Outage {
  methods?: string[];
  delayMs?: number;
  status?: number;
  /** With status 429: the Retry-After it gives, in seconds (default 1). */
  retryAfter?: number;
  /** Each matching call, once arrived, is answered only when the promise this returns settles. */
  hold?: (call: { method: string; args: Record<string, unknown> }) => Promise<unknown>;
}

/** One request, as received; `args` without the token. */
export interface FakeCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
  /** For method `response_url`: the id in /response/<id>. */
  responseId?: string;
}

export interface MessageVersion {
  text: string;
  blocks: unknown[];
  at: number;
}

/** A message as it stands now; `history` holds every version, the posted one first. */
export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
  user: string;
  bot_id: string;
  history: MessageVersion[];
}

/** A message only one user sees (chat.postEphemeral, or a response_url answer that is not in_channel). */
export interface FakeEphemeral {
  channel?: string;
  user?: string;
  text: string;
  blocks: unknown[];
  at: number;
  via: 'chat.postEphemeral' | 'response_url';
}

/** A Home tab view as published (views.publish), for one user. */
export interface FakeView {
  user: string;
  view: { type: string; blocks: unknown[] };
  at: number;
}

export interface RateLimitedEvent {
  method: string;
  channel?: string;
  at: number;
  retryAfter: number;
}

/**
 * A request that came back too early: on the connection that had carried a 429
 * for the same method (and channel, for posts), before that 429's Retry-After
 * had passed.
 */
export interface UnheededRetry {
  method: string;
  channel?: string;
  /** When the request arrived, and the Retry-After time it ignored. */
  at: number;
  retryAt: number;
}

export interface SlackFake {
  /** Base URL of the Web API, for `new WebClient(token, { slackApiUrl: fake.url })` / SLACK_API_URL. */
  readonly url: string;
  /** http://127.0.0.1:PORT/ */
  readonly baseUrl: string;
  readonly token: string;
  calls(method?: string): FakeCall[];
  /** Current messages (deleted ones gone), oldest first; thread replies included. */
  messages(channel?: string): FakeMessage[];
  /** The replies in one message's thread, oldest first. */
  replies(channel: string, threadTs: string): FakeMessage[];
  ephemerals(channel?: string): FakeEphemeral[];
  /** Every Home view published (views.publish), oldest first; for one user when given. */
  views(user?: string): FakeView[];
  /** A response_url bound to a channel (and a message, for replace_original / delete_original). */
  responseUrl(opts?: { channel?: string; user?: string; messageTs?: string }): string;
  rateLimited(): RateLimitedEvent[];
  /** How many requests came back before the Retry-After they had been given (details: unheededRetryLog). */
  unheededRetries(): number;
  unheededRetryLog(): UnheededRetry[];
  /** Resolves with the first call (past or future) of `method` that matches. */
  waitFor(method: string, match?: (call: FakeCall) => boolean, timeoutMs?: number): Promise<FakeCall>;
  /** The bot leaves a channel (or was never invited): posts and updates there answer not_in_channel. */
  botNotIn(channel: string): void;
  /** Starts an outage of the Web API (response_url posts are not affected); undefined ends it. */
  outage(o: Outage | undefined): void;
  /** Forgets calls, messages and rate-limit state. */
  reset(): void;
  close(): Promise<void>;
}

type Reply = {
  status?: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
  /** A 429: the rate-limit key it refuses and its Retry-After time. */
  refused?: { key: string; retryAt: number };
};

// WebClient form-encodes objects as JSON and booleans as "true" / "false".
const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'view']);
const BOOLEAN_ARGS = new Set(['replace_original', 'delete_original', 'reply_broadcast', 'unfurl_links', 'unfurl_media', 'mrkdwn', 'as_user', 'link_names']);
// Timer and clock granularity: a client that waited Retry-After may arrive a ms early by our clock.
const CLOCK_TOLERANCE_MS = 10;

/** Starts the fake on 127.0.0.1, a free port. Close it with `close()`. */
export async function startSlackFake(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const token = opts.token ?? 'xoxb-ferry-test';
  const id: FakeIdentity = { teamId: 'T0FERRY', team: 'ferry-test', userId: 'U0FERRYBOT', user: 'ferry', botId: 'B0FERRY', ...opts.identity };
  const limits = opts.rateLimit ? { ...DEFAULT_RATE_LIMITS, ...(opts.rateLimit === true ? {} : opts.rateLimit) } : undefined;
  const events = new EventEmitter();

  let calls: FakeCall[] = [];
  let messages = new Map<string, FakeMessage>(); // key: channel + ts
  let ephemerals: FakeEphemeral[] = [];
  let views: FakeView[] = [];
  // Every answer gets the next number as it is written; per connection, the number of its last answer.
  let answers = 0;
  let lastAnswerOn = new WeakMap<Socket, number>();
  let refusals: { key: string; answer: number; retryAt: number }[] = [];
  let rateLimitedLog: RateLimitedEvent[] = [];
  let unheeded: UnheededRetry[] = [];
  let buckets = new Map<string, { tokens: number; last: number }>();
  const responseUrls = new Map<string, { channel?: string; user?: string; messageTs?: string }>();
  let lastSec = 0;
  let seq = 0;
  let outage: Outage | undefined;
  const absentFrom = new Set<string>();

  /** Unique, increasing message timestamps in Slack's "seconds.micro" form. */
  const nextTs = (): string => {
    const sec = Math.floor(Date.now() / 1000);
    if (sec > lastSec) [lastSec, seq] = [sec, 0];
    if (++seq > 999_999) [lastSec, seq] = [lastSec + 1, 1];
    return `${lastSec}.${String(seq).padStart(6, '0')}`;
  };

  const fail = (error: string, extra: Record<string, unknown> = {}): Reply => ({ body: { ok: false, error, ...extra } });

  /** Slack's answer to a message breaking a limit; the first applicable error wins. */
  const limitError = (args: Record<string, unknown>): Reply | undefined => {
    const found = slackLimitViolations(args);
    // A button's confirmation dialog past its limits is refused the same way.
    const confirms = confirmViolations(args.blocks);
    if (found.length === 0 && confirms.length > 0) return fail('invalid_blocks', { errors: confirms, response_metadata: { messages: confirms.map((e) => `[ERROR] ${e}`) } });
    if (found.length === 0) return undefined;
    const order: SlackLimitCode[] = ['msg_too_long', 'only_one_table_allowed', 'invalid_blocks', 'msg_blocks_too_long'];
    const code = order.find((c) => found.some((v) => v.code === c))!;
    const errors = found.filter((v) => v.code === code).map((v) => `${v.message} [json-pointer:${v.pointer}]`);
    return fail(code, { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
  };

  const post = (channel: string, text: string, blocks: unknown[], threadTs?: string): FakeMessage => {
    const msg: FakeMessage = {
      channel, ts: nextTs(), text, blocks, user: id.userId, bot_id: id.botId,
      history: [{ text, blocks, at: Date.now() }],
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    messages.set(`${channel} ${msg.ts}`, msg);
    return msg;
  };

  const update = (msg: FakeMessage, text: string | undefined, blocks: unknown[] | undefined): void => {
    msg.text = text ?? msg.text;
    msg.blocks = blocks ?? msg.blocks;
    msg.history.push({ text: msg.text, blocks: msg.blocks, at: Date.now() });
  };

  const wire = (m: FakeMessage): Record<string, unknown> => ({
    type: 'message', text: m.text, blocks: m.blocks, user: m.user, bot_id: m.bot_id, ts: m.ts,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
  });

  const methods: Record<string, (a: Record<string, unknown>) => Reply> = {
    'auth.test': () => ({
      body: { ok: true, url: 'https://ferry-test.slack.invalid/', team: id.team, user: id.user, team_id: id.teamId, user_id: id.userId, bot_id: id.botId, is_enterprise_install: false },
    }),
    'chat.postMessage': (a) => {
      const channel = str(a.channel);
      if (!channel) return fail('channel_not_found');
      if (absentFrom.has(channel)) return fail('not_in_channel');
      if (a.text === undefined && a.blocks === undefined && a.attachments === undefined) return fail('no_text');
      const invalid = limitError(a);
      if (invalid) return invalid;
      const msg = post(channel, str(a.text) ?? '', blocksOf(a) ?? [], str(a.thread_ts));
      return { body: { ok: true, channel, ts: msg.ts, message: wire(msg) } };
    },
    'chat.update': (a) => {
      const channel = str(a.channel);
      if (channel && absentFrom.has(channel)) return fail('not_in_channel');
      const msg = messages.get(`${channel} ${str(a.ts)}`);
      if (!msg) return fail(channel ? 'message_not_found' : 'channel_not_found');
      const invalid = limitError(a);
      if (invalid) return invalid;
      update(msg, str(a.text), blocksOf(a));
      return { body: { ok: true, channel, ts: msg.ts, text: msg.text, message: wire(msg) } };
    },
    'chat.delete': (a) => {
      const key = `${str(a.channel)} ${str(a.ts)}`;
      if (!messages.delete(key)) return fail('message_not_found');
      return { body: { ok: true, channel: a.channel, ts: a.ts } };
    },
    'chat.postEphemeral': (a) => {
      const channel = str(a.channel);
      if (!channel) return fail('channel_not_found');
      if (!str(a.user)) return fail('user_not_found');
      const invalid = limitError(a);
      if (invalid) return invalid;
      ephemerals.push({ channel, user: str(a.user), text: str(a.text) ?? '', blocks: blocksOf(a) ?? [], at: Date.now(), via: 'chat.postEphemeral' });
      return { body: { ok: true, message_ts: nextTs() } };
    },
    'views.publish': (a) => {
      const user = str(a.user_id);
      if (!user) return fail('invalid_arguments');
      const found = slackViewViolations(a.view);
      if (found.length) return fail(found.some((v) => v.code === 'msg_too_long') ? 'view_too_large' : 'invalid_arguments', { response_metadata: { messages: found.map((v) => `[ERROR] ${v.message} [json-pointer:${v.pointer}]`) } });
      const view = a.view as FakeView['view'];
      views.push({ user, view, at: Date.now() });
      return { body: { ok: true, view: { id: `V${views.length}`, ...view } } };
    },
    'users.info': (a) => {
      const user = str(a.user);
      const extra = user ? opts.users?.[user] : undefined;
      if (!user || !extra) return fail('user_not_found');
      const name = typeof extra.name === 'string' ? extra.name : user.toLowerCase();
      return {
        body: {
          ok: true,
          user: { id: user, team_id: id.teamId, name, real_name: name, deleted: false, is_bot: false, is_admin: false, tz: 'Etc/UTC', profile: { real_name: name, display_name: name }, ...extra },
        },
      };
    },
    'usergroups.users.list': (a) => {
      const users = opts.usergroups?.[str(a.usergroup) ?? ''];
      return users ? { body: { ok: true, users: [...users] } } : fail('no_such_subteam');
    },
    'conversations.info': (a) => {
      const channel = str(a.channel) ?? '';
      const info = opts.channels?.[channel];
      if (!info) return fail('channel_not_found');
      return { body: { ok: true, channel: { id: channel, is_channel: true, is_private: false, is_archived: false, is_member: true, ...info } } };
    },
  };

  /** Takes one request from a token bucket; answers the wait in ms (0: go ahead). */
  const take = (key: string, capacity: number, refillMs: number, now: number): number => {
    const b = buckets.get(key) ?? { tokens: capacity, last: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.last) / refillMs);
    b.last = now;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) * refillMs;
  };

  /** Posting is paced per channel; Tier 3 counts per method and workspace. */
  const limitKey = (method: string, channel?: string): string => (method === 'chat.postMessage' ? `${method} ${channel}` : method);

  /**
   * Notes a request that came back before a Retry-After its client had read.
   * Told by order, not by time (a starved event loop may get to a request long
   * after it was sent): a client sends on a kept-alive connection only after it
   * has read the answer before (HTTP/1.1 clients do not pipeline), and it reads
   * the answers of its connections in the order they were written (one machine:
   * loopback delivers at once, and the event loop takes ready sockets in turn).
   * So a request was sent after the client had read every answer written up to
   * the last one on its connection, 429s included. A request on a fresh
   * connection, or on one whose last answer came before the 429, may have been
   * on its way already and is not counted.
   */
  const noteArrival = (socket: Socket, method: string, channel: string | undefined, t: number): void => {
    const read = lastAnswerOn.get(socket);
    if (read === undefined) return;
    const key = limitKey(method, channel);
    refusals = refusals.filter((r) => r.retryAt > t - 60_000);
    const pending = refusals.filter((r) => r.key === key && r.answer <= read && t < r.retryAt - CLOCK_TOLERANCE_MS);
    if (pending.length > 0) unheeded.push({ method, ...(channel ? { channel } : {}), at: t, retryAt: Math.max(...pending.map((r) => r.retryAt)) });
  };

  /** Slack's 429 with Retry-After (whole seconds). */
  const refuse = (method: string, channel: string | undefined, retryAfter: number): Reply => {
    const now = Date.now();
    rateLimitedLog.push({ method, ...(channel ? { channel } : {}), at: now, retryAfter });
    return {
      status: 429,
      headers: { 'Retry-After': String(retryAfter) },
      body: { ok: false, error: 'ratelimited' },
      refused: { key: limitKey(method, channel), retryAt: now + retryAfter * 1000 },
    };
  };

  /** Writes an answer, numbered in the order answers go out. */
  const answer = (res: ServerResponse, reply: Reply): void => {
    const n = ++answers;
    if (res.socket) lastAnswerOn.set(res.socket, n);
    if (reply.refused) refusals.push({ ...reply.refused, answer: n });
    send(res, reply);
  };

  /** Slack's rate limits; a Reply when this call is refused with 429. */
  const rateLimit = (method: string, a: Record<string, unknown>): Reply | undefined => {
    if (!limits || (method !== 'chat.postMessage' && method !== 'chat.update')) return undefined;
    const channel = str(a.channel);
    const now = Date.now();
    const wait =
      method === 'chat.postMessage'
        ? take(limitKey(method, channel), limits.postBurst, limits.postIntervalMs, now)
        : take(limitKey(method, channel), limits.updateMax, limits.updateWindowMs / limits.updateMax, now);
    return wait === 0 ? undefined : refuse(method, channel, Math.max(1, Math.ceil(wait / 1000)));
  };

  const api = (method: string, req: IncomingMessage, a: Record<string, unknown>): Reply => {
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : str(a.token);
    delete a.token;
    if (!given) return fail('not_authed');
    if (given !== token) return fail('invalid_auth');
    const handler = methods[method];
    if (!handler) return fail('unknown_method');
    return rateLimit(method, a) ?? handler(a);
  };

  /** A response_url answer: replaces or deletes the bound message, posts in channel, or shows to one user. */
  const respond = (responseId: string, a: Record<string, unknown>): Reply => {
    const invalid = limitError(a);
    if (invalid) return { ...invalid, status: 400 };
    const bound = responseUrls.get(responseId) ?? {};
    const original = bound.messageTs ? messages.get(`${bound.channel} ${bound.messageTs}`) : undefined;
    if (a.delete_original === true && original) messages.delete(`${original.channel} ${original.ts}`);
    else if (a.replace_original === true && original) update(original, str(a.text), blocksOf(a));
    else if (a.response_type === 'in_channel' && bound.channel) post(bound.channel, str(a.text) ?? '', blocksOf(a) ?? [], str(a.thread_ts));
    else ephemerals.push({ channel: bound.channel, user: bound.user, text: str(a.text) ?? '', blocks: blocksOf(a) ?? [], at: Date.now(), via: 'response_url' });
    return { body: { ok: true } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let a: Record<string, unknown>;
    let raw: string;
    try {
      raw = await readBody(req);
      a = parseArgs(raw, req.headers['content-type'], url.searchParams);
    } catch {
      return answer(res, { status: 400, body: { ok: false, error: 'invalid_form_data' } });
    }
    const apiMatch = /^\/api\/([\w.]+)$/.exec(url.pathname);
    const responseMatch = /^\/response\/([\w-]+)$/.exec(url.pathname);
    let call: FakeCall = { method: `${req.method} ${url.pathname}`, args: a, at: arrivedAt, status: 0, ok: false };
    let reply: Reply = { status: 404, body: { ok: false, error: 'not_found' } };
    if (apiMatch) noteArrival(req.socket, apiMatch[1]!, str(a.channel), arrivedAt);
    const down = apiMatch && outage && (!outage.methods || outage.methods.includes(apiMatch[1]!)) ? outage : undefined;
    if (down?.delayMs) await new Promise((r) => setTimeout(r, down.delayMs));
    if (down?.hold) await down.hold({ method: apiMatch![1]!, args: a }).catch(() => {});
    if (apiMatch && down?.status === 429) {
      call = { ...call, method: apiMatch[1]! };
      reply = refuse(apiMatch[1]!, str(a.channel), down.retryAfter ?? 1);
    } else if (apiMatch && down?.status) {
      call = { ...call, method: apiMatch[1]! };
      reply = { status: down.status, body: { ok: false, error: `http_${down.status}` } };
    } else if (apiMatch) {
      call = { ...call, method: apiMatch[1]! };
      reply = api(apiMatch[1]!, req, a);
    } else if (responseMatch && req.method === 'POST') {
      call = { ...call, method: 'response_url', responseId: responseMatch[1]! };
      reply = respond(responseMatch[1]!, a);
    }
    call.status = reply.status ?? 200;
    call.ok = reply.body.ok === true;
    if (typeof reply.body.error === 'string') call.error = reply.body.error;
    calls.push(call);
    answer(res, reply);
    events.emit('call', call);
  };

  const server = createServer((req, res) => void handle(req, res, Date.now()));
  // Clients keep their connections between calls, as with Slack (undici keeps one for the server's keep-alive hint
  // less a second: a 1 s hint would close each after one call), so retries come on connections that carried 429s.
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref(); // a test that forgets close() does not keep the process alive
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/`;
  let nextResponseId = 0;

  return {
    url: `${baseUrl}api/`,
    baseUrl,
    token,
    calls: (method) => clone(calls.filter((c) => method === undefined || c.method === method)),
    messages: (channel) =>
      clone([...messages.values()].filter((m) => channel === undefined || m.channel === channel).sort(byTs)),
    replies: (channel, threadTs) =>
      clone([...messages.values()].filter((m) => m.channel === channel && m.thread_ts === threadTs).sort(byTs)),
    ephemerals: (channel) => clone(ephemerals.filter((e) => channel === undefined || e.channel === channel)),
    views: (user) => clone(views.filter((v) => user === undefined || v.user === user)),
    responseUrl: (bind = {}) => {
      const rid = `r${++nextResponseId}`;
      responseUrls.set(rid, bind);
      return `${baseUrl}response/${rid}`;
    },
    rateLimited: () => clone(rateLimitedLog),
    unheededRetries: () => unheeded.length,
    unheededRetryLog: () => clone(unheeded),
    waitFor: (method, match = () => true, timeoutMs = 5000) =>
      new Promise<FakeCall>((resolve, reject) => {
        const seen = calls.find((c) => c.method === method && match(c));
        if (seen) return resolve(clone(seen));
        const timer = setTimeout(() => {
          events.off('call', listener);
          reject(new Error(`slack fake: no ${method} call within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (c: FakeCall): void => {
          if (c.method !== method || !match(c)) return;
          clearTimeout(timer);
          events.off('call', listener);
          resolve(clone(c));
        };
        events.on('call', listener);
      }),
    botNotIn: (channel) => {
      absentFrom.add(channel);
    },
    outage: (o) => {
      outage = o;
    },
    reset: () => {
      calls = [];
      messages = new Map();
      ephemerals = [];
      views = [];
      lastAnswerOn = new WeakMap();
      refusals = [];
      rateLimitedLog = [];
      unheeded = [];
      buckets = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(JSON.stringify(reply.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Arguments from a form or JSON body (or the query string); JSON and boolean form values are decoded. */
function parseArgs(raw: string, contentType: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  if (contentType?.includes('application/json')) {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return { ...args, ...(typeof parsed === 'object' && parsed !== null ? parsed : {}) };
  }
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = JSON_ARGS.has(k) ? decodeJson(v) : BOOLEAN_ARGS.has(k) ? v === 'true' || v === '1' : v;
  }
  return args;
}

function decodeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v; // left as a string, so the limit check reports it
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function blocksOf(a: Record<string, unknown>): unknown[] | undefined {
  return Array.isArray(a.blocks) ? a.blocks : undefined;
}

/** ts strings have a fixed width here, so they sort as strings (Number() would round them). */
function byTs(a: FakeMessage, b: FakeMessage): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
