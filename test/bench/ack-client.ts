/**
 * The ack-latency client, in a process of its own so that nothing else on its
 * event loop (the Slack fake answering ferry's posts lives in the bench's
 * process) delays reading an ack. Sends `warmUp` signed slash commands one by
 * one, then `requests` of them with `inFlight` at a time, each timed from
 * sending the signed request to reading the whole HTTP answer, and prints
 * `acks {"ms":[...],"status":[...]}` (burst only). Argument: one JSON object.
 *
 * It uses node:http with a keep-alive agent, not fetch, and signs every body
 * before the burst: with fetch (undici) the client's own per-request work on
 * its one event loop was a large part of what it measured (a bare node:http
 * server showed a p99 of about 270 ms through it).
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { slashBody } from '../support/slack-requests.js';
import { pooled } from './support.js';

interface Job {
  url: string;
  secret: string;
  line: string;
  user: string;
  channel: string;
  responseUrl: string;
  requests: number;
  inFlight: number;
  warmUp: number;
  /** Makes every trigger_id unique across runs (ferry drops a redelivered one). */
  tag: string;
}

// A bench that dies closes this pipe: stop with it.
process.stdin.on('close', () => process.exit(1));
process.stdin.resume();

const job = JSON.parse(process.argv[2]!) as Job;
const agent = new http.Agent({ keepAlive: true, maxSockets: job.inFlight });
let seq = 0;

/** A signed slash command, ready to send (signed now: the signature's timestamp stays within Slack's 5 minutes). */
function signed(): { body: string; headers: Record<string, string> } {
  const body = slashBody(job.line, { user: job.user, channel: job.channel, responseUrl: job.responseUrl, triggerId: `${job.tag}.${++seq}` });
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', job.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature },
  };
}

function send(req: { body: string; headers: Record<string, string> }): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const r = http.request(job.url, { method: 'POST', headers: req.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      res.on('error', () => resolve({ status: 0, ms: NaN }));
    });
    r.on('error', () => resolve({ status: 0, ms: NaN }));
    r.end(req.body);
  });
}

for (let i = 0; i < job.warmUp; i++) await send(signed());
const burst = Array.from({ length: job.requests }, signed);
const results = await pooled(job.requests, job.inFlight, (i) => send(burst[i]!));
process.stdout.write(`acks ${JSON.stringify({ ms: results.map((r) => r.ms), status: results.map((r) => r.status) })}\n`);
process.exit(0);
