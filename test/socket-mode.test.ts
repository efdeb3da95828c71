/**
 * ferry in Socket Mode: `ferry serve` with an app token connects out instead of
 * listening. A local stand-in for Slack answers apps.connections.open with a
 * ws://127.0.0.1 URL, says hello over that WebSocket, and delivers slash
 * commands as envelopes; ferry must ack each envelope over the socket and post
 * its answer through the Web API (the Slack fake, behind the stand-in).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startLab, type Lab } from '../src/lab/lab.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { startSlackFake, type SlackFake } from './support/slack-fake.js';
import { CHANNEL, SSH_DEADLINES, setSsh } from './support/harness.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const APP_TOKEN = 'xapp-1-A0FERRY-test-app-token';

/** Slack's stand-in: apps.connections.open and the WebSocket; every other Web API call goes on to the fake. */
interface SlackStandIn {
  apiUrl: string;
  /** Resolves with the socket ferry opened (after it was sent hello). */
  connection(): Promise<WebSocket>;
  /** Messages ferry sent over the socket, parsed. */
  received: Record<string, unknown>[];
  connectionsOpened: number;
  close(): Promise<void>;
}

async function startStandIn(fake: SlackFake): Promise<SlackStandIn> {
  const server: Server = createServer((req, res) => void answer(req, res));
  const wss = new WebSocketServer({ server, path: '/link' });
  const sockets: WebSocket[] = [];
  const state = { received: [] as Record<string, unknown>[], connectionsOpened: 0 };
  let connected: (ws: WebSocket) => void = () => {};
  const firstConnection = new Promise<WebSocket>((resolve) => (connected = resolve));

  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => state.received.push(JSON.parse(String(data)) as Record<string, unknown>));
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-test', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0FERRY' } }));
    connected(ws);
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === '/api/apps.connections.open') {
      const ok = req.headers.authorization === `Bearer ${APP_TOKEN}`;
      if (ok) state.connectionsOpened += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { ok: true, url: `ws://127.0.0.1:${port}/link` } : { ok: false, error: 'invalid_auth' }));
      return;
    }
    const forwarded = await fetch(new URL(req.url!.replace(/^\//, ''), fake.baseUrl), {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? '', authorization: req.headers.authorization ?? '' },
      body: req.method === 'POST' ? body : undefined,
    });
    const retryAfter = forwarded.headers.get('retry-after');
    res.writeHead(forwarded.status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
    res.end(Buffer.from(await forwarded.arrayBuffer()));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    connection: () => firstConnection,
    get received() {
      return state.received;
    },
    get connectionsOpened() {
      return state.connectionsOpened;
    },
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A slash command as Slack delivers it over Socket Mode. */
function slashEnvelope(envelopeId: string, line: string, who: { user: string; responseUrl: string; triggerId: string }) {
  const [command, ...rest] = line.split(' ');
  return {
    envelope_id: envelopeId,
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: {
      token: 'legacy-verification-token',
      team_id: 'T0FERRY',
      team_domain: 'ferry-test',
      channel_id: CHANNEL,
      channel_name: 'ops',
      user_id: who.user,
      user_name: who.user.toLowerCase(),
      command,
      text: rest.join(' '),
      api_app_id: 'A0FERRY',
      is_enterprise_install: 'false',
      response_url: who.responseUrl,
      trigger_id: who.triggerId,
    },
  };
}

describe('ferry serve in Socket Mode', () => {
  let dir: string;
  let lab: Lab;
  let redis: TestRedis;
  let fake: SlackFake;
  let standIn: SlackStandIn;
  let ferry: ChildProcess;
  let output = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ferry-socket-'));
    [lab, redis, fake] = await Promise.all([startLab({ dir, computes: 3, instances: 3, migrateSeconds: 1 }), startRedis(), startSlackFake()]);
    // Beside another suite the lab's 2 s connect limit ran out and /gluster status came back FAIL.
    await setSsh(lab.configPath, SSH_DEADLINES);
    standIn = await startStandIn(fake);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      FERRY_CONFIG: lab.configPath,
      SLACK_BOT_TOKEN: fake.token,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: standIn.apiUrl,
      REDIS_URL: redis.url,
      FERRY_HEALTH_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    delete env.SLACK_SIGNING_SECRET; // Socket Mode needs none
    ferry = spawn(process.execPath, [...process.execArgv, '--import', 'tsx', MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    ferry.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    ferry.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await waitUntil(() => /ferry serving \(Socket Mode\)/.test(output) || ferry.exitCode !== null, 'ferry serve to start', 120_000);
    if (ferry.exitCode !== null) throw new Error(`ferry serve exited ${ferry.exitCode}:\n${output}`);
  });

  afterAll(async () => {
    if (ferry && ferry.exitCode === null) {
      const exited = new Promise((r) => ferry.once('exit', r));
      ferry.kill('SIGKILL');
      await exited;
    }
    await standIn?.close();
    await Promise.allSettled([lab?.stop(), redis?.stop(), fake?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('connects with the app token: apps.connections.open, then the WebSocket it named', async () => {
    expect(standIn.connectionsOpened).toBe(1);
    await standIn.connection();
  });

  test('acks a /gluster status envelope over the socket and posts the table through the Web API', async () => {
    const ws = await standIn.connection();
    ws.send(JSON.stringify(slashEnvelope('env-status-1', '/gluster status', { user: 'U_VIEWER', responseUrl: fake.responseUrl({ channel: CHANNEL, user: 'U_VIEWER' }), triggerId: 'T-socket.1' })));
    await waitUntil(() => standIn.received.some((m) => m.envelope_id === 'env-status-1'), 'the ack of the envelope');

    const msg = await fake.waitFor('chat.postMessage', (c) => String(c.args.text).startsWith('Storage: volume vm-instances'), 15_000);
    expect(msg.ok).toBe(true);
    expect((msg.args.blocks as { type: string }[]).filter((b) => b.type === 'table')).toHaveLength(1);
  });

  test('answers /ferry help only to the user, through the response_url', async () => {
    const ws = await standIn.connection();
    const before = fake.ephemerals().length;
    ws.send(JSON.stringify(slashEnvelope('env-help-1', '/ferry help', { user: 'U_OPS', responseUrl: fake.responseUrl({ channel: CHANNEL, user: 'U_OPS' }), triggerId: 'T-socket.2' })));
    await waitUntil(() => fake.ephemerals().length > before, 'the help answer');
    expect(standIn.received.some((m) => m.envelope_id === 'env-help-1')).toBe(true);
    expect(fake.ephemerals()[before]).toMatchObject({ user: 'U_OPS', text: 'ferry commands' });
  });

  test('runs a redelivered envelope (same trigger_id, retry_attempt 1) once, acking both', async () => {
    const ws = await standIn.connection();
    const peers = () => fake.messages(CHANNEL).filter((m) => m.text.startsWith('Gluster peers'));
    const who = { user: 'U_OPS', responseUrl: fake.responseUrl({ channel: CHANNEL, user: 'U_OPS' }), triggerId: 'T-socket.3' };
    ws.send(JSON.stringify(slashEnvelope('env-peers-1', '/gluster peers', who)));
    await waitUntil(() => peers().length === 1, 'the peers message');
    ws.send(JSON.stringify({ ...slashEnvelope('env-peers-2', '/gluster peers', who), retry_attempt: 1, retry_reason: 'timeout' }));
    await waitUntil(() => standIn.received.some((m) => m.envelope_id === 'env-peers-2'), 'the ack of the redelivery');

    // A later command is answered after the redelivery was handled; still one peers message.
    const before = fake.ephemerals().length;
    ws.send(JSON.stringify(slashEnvelope('env-help-2', '/ferry help', { ...who, triggerId: 'T-socket.4' })));
    await waitUntil(() => fake.ephemerals().length > before, 'the help answer');
    expect(peers()).toHaveLength(1);
  });

  test('answers /healthz, /readyz and /metrics on its own port on 127.0.0.1', async () => {
    const base = /ferry health on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(base, output).toBeDefined();
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
    // The token is checked with auth.test once, through the stand-in, in the background.
    let ready: Response;
    const deadline = Date.now() + 15_000;
    while ((ready = await fetch(`${base}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await ready.text()).toBe('ready\nslack-token: ok\nredis: ok\n');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^ferry_commands_total\{command="gluster status",outcome="ok"\} 1$/m);
    expect(metrics).toMatch(/^ferry_ack_seconds_count\{kind="command"\} [1-9]/m);
  });

  test('stops by itself on SIGTERM, closing the socket', async () => {
    const ws = await standIn.connection();
    const closed = new Promise((r) => ws.once('close', r));
    const exited = new Promise<number | null>((r) => ferry.once('exit', (code) => r(code)));
    ferry.kill('SIGTERM');
    await closed;
    expect(await exited).toBe(0);
  });
});

async function waitUntil(done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
