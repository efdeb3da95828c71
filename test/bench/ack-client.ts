/**
 * The ack-latency client, in a process of its own so that nothing else on its
 * event loop (the Slack fake answering ferry's posts lives in the bench's
 * process) delays reading an ack. Sends `warmUp` signed slash commands one by
 * one, then opens `inFlight` keep-alive connections (each with one untimed
 * GET /healthz, which ferry answers on its acking thread without running any
 * command), then sends `requests` signed slash commands over them, `inFlight`
 * at a time, each timed from writing the signed request to reading the whole
 * HTTP answer, and prints `acks {"ms":[...],"status":[...]}` (burst only).
 * Argument: one JSON object.
 *
 * The client's own cost is kept out of what it measures: every request is
 * signed and serialized to raw HTTP/1.1 bytes before the burst, written on a
 * plain `net` socket, and its answer read by raw-http.ts's small parser
 * (node:http's agent and parser, and fetch before it, cost the client more
 * event-loop time per request); the connections are open before the burst,
 * so it does not time 100 TCP handshakes and accepts.
 *
 * With `threads` (PID → name), it also prints to stderr each named process's
 * threads' CPU and run-queue wait during the burst (thread-cpu.ts), read just
 * before the first request is written and just after the last ack is read.
 */
import { createHmac } from 'node:crypto';
import { slashBody } from '../support/slack-requests.js';
import { RawConnection, rawRequest } from './raw-http.js';
import { readThreads, threadLines } from './thread-cpu.js';

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
  /** Processes whose threads' CPU during the burst is printed, by PID. */
  threads?: Record<number, string>;
}

// A bench that dies closes this pipe: stop with it.
process.stdin.on('close', () => process.exit(1));
process.stdin.resume();

const job = JSON.parse(process.argv[2]!) as Job;
const url = new URL(job.url);
let seq = 0;

/** A signed slash command as raw request bytes (signed now: the signature's timestamp stays within Slack's 5 minutes). */
function signed(): Buffer {
  const body = slashBody(job.line, { user: job.user, channel: job.channel, responseUrl: job.responseUrl, triggerId: `${job.tag}.${++seq}` });
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', job.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return rawRequest('POST', url, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }, body);
}

const first = await RawConnection.open(url);
for (let i = 0; i < job.warmUp; i++) await first.send(signed());
const connections = [first, ...(await Promise.all(Array.from({ length: job.inFlight - 1 }, () => RawConnection.open(url))))];
const health = rawRequest('GET', new URL('/healthz', url), {}, '');
await Promise.all(connections.map((c) => c.send(health)));

const burst = Array.from({ length: job.requests }, signed);
const watched = job.threads ? { ...job.threads, [process.pid]: 'client' } : undefined;
const pids = watched ? Object.keys(watched).map(Number) : [];
const before = watched ? readThreads(pids) : undefined;
const results = new Array<{ status: number; ms: number }>(job.requests);
let next = 0;
await Promise.all(
  connections.map(async (c) => {
    while (next < job.requests) {
      const i = next++;
      results[i] = await c.send(burst[i]!);
    }
  }),
);
if (watched && before) process.stderr.write(`  threads during the burst: ${threadLines(before, readThreads(pids), watched).join('; ')}\n`);
process.stdout.write(`acks ${JSON.stringify({ ms: results.map((r) => r.ms), status: results.map((r) => r.status) })}\n`);
process.exit(0);
