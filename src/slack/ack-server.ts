/**
 * ferry's HTTP endpoint for Slack (HTTP mode): POST /slack/events, plus /healthz,
 * /readyz and /metrics. Each Slack request is verified, acked with an empty 200 at
 * once, and only then handed on: routing (Bolt) and all work happen in the command
 * thread. This thread's work per request is what stands between Slack and the
 * ack, so it is kept to reading the body and one HMAC; a slash command's form is
 * parsed in the command thread (HeldBody in slack-request.ts). Bolt's HTTPReceiver
 * and routing, run here before, took about 1 ms of CPU per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEALTH_PATHS, type Health } from '../health.js';
import type { Logger } from '../log.js';
import { holdSlackBody, isSslCheck, signatureProblem, type HeldBody } from './slack-request.js';

/** Bolt's limit too: Slack's payloads are far smaller. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const EVENTS_PATH = '/slack/events';

/** A verified request, acked. */
export interface AckedRequest {
  body: HeldBody;
  retryNum?: number;
  retryReason?: string;
  /** performance.now() when its headers were read. */
  receivedAt: number;
}

export interface AckServerOptions {
  signingSecret: string;
  health: Health;
  log: Logger;
  /** Called after the ack is written. */
  onRequest(req: AckedRequest): void;
  now?: () => number;
}

export interface AckServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const HEALTH = new Set<string>(HEALTH_PATHS);

function end(res: ServerResponse, status: number, body = '', type?: string) {
  res.writeHead(status, type ? { 'content-type': type } : undefined).end(body);
}

export function createAckServer(o: AckServerOptions): AckServer {
  const now = o.now ?? Date.now;

  const slackRequest = (req: IncomingMessage, res: ServerResponse, receivedAt: number) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (res.headersSent) return; // refused as too large: the rest is read and dropped
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) return void chunks.push(chunk);
      o.log.warn({ limit: BODY_LIMIT_BYTES }, 'a request body above the limit was refused');
      chunks.length = 0;
      end(res.setHeader('connection', 'close'), 413);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const raw = chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
      const contentType = req.headers['content-type'];
      const problem = signatureProblem(o.signingSecret, header(req, 'x-slack-request-timestamp'), header(req, 'x-slack-signature'), raw, now());
      if (problem) {
        // Slack's ssl_check asks only for a 200 and may come unsigned; nothing in it is acted on.
        if (isSslCheck(contentType, raw)) return end(res, 200);
        o.log.warn({ problem }, 'a request that is not from Slack was refused');
        return end(res, 401);
      }
      if (isSslCheck(contentType, raw)) return end(res, 200);
      let body: HeldBody;
      try {
        body = holdSlackBody(contentType, raw);
      } catch (err) {
        o.log.warn({ err: (err as Error).message }, 'a malformed request body was refused');
        return end(res, 400);
      }
      if (typeof body !== 'string' && body.type === 'url_verification') return end(res, 200, JSON.stringify({ challenge: body.challenge }), 'application/json');
      end(res, 200);
      const retryNum = header(req, 'x-slack-retry-num');
      o.onRequest({ body, receivedAt, retryNum: retryNum === undefined ? undefined : Number(retryNum), retryReason: header(req, 'x-slack-retry-reason') });
    });
  };

  const server: Server = createServer((req, res) => {
    const receivedAt = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === EVENTS_PATH && req.method === 'POST') return slackRequest(req, res, receivedAt);
    if (HEALTH.has(path) && req.method === 'GET') return void o.health.handle(req, res).catch((err: Error) => end(res, 500, `${err.message}\n`));
    end(res, 404);
  });

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
