/**
 * The ack-latency client, in a process of its own so that nothing else on its
 * event loop (the Slack fake answering ferry's posts lives in the bench's
 * process) delays reading an ack. Sends `warmUp` signed slash commands one by
 * one, then `requests` of them with `inFlight` at a time, each timed from
 * sending the signed request to reading the whole HTTP answer, and prints
 * `acks {"ms":[...],"status":[...]}` (burst only). Argument: one JSON object.
 */
import { postSigned, slashBody } from '../support/slack-requests.js';
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
let seq = 0;
const send = () =>
  postSigned(job.url, slashBody(job.line, { user: job.user, channel: job.channel, responseUrl: job.responseUrl, triggerId: `${job.tag}.${++seq}` }), { secret: job.secret }).catch(() => ({ status: 0, ms: NaN }));

for (let i = 0; i < job.warmUp; i++) await send();
const results = await pooled(job.requests, job.inFlight, send);
process.stdout.write(`acks ${JSON.stringify({ ms: results.map((r) => r.ms), status: results.map((r) => r.status) })}\n`);
process.exit(0);
