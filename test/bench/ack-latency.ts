/**
 * Benchmark 1, ack latency: 200 signed `/gluster status` slash commands, 50 in
 * flight at a time, against `ferry serve` in HTTP mode (a child process, with
 * the Slack Web API fake, a lab and a redis-server behind it), and side by side
 * the same 200 requests against a bare node:http server that only answers 200.
 * The time measured is the client's: request sent → HTTP answer (the ack) read.
 * Each command's real work (SSH to the lab, the post to Slack) runs after its
 * ack, so later acks are measured while ferry is busy with earlier commands.
 */
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../src/lab/redis-server.js';
import { startSlackFake } from '../support/slack-fake.js';
import { postSigned, slashBody } from '../support/slack-requests.js';
import { ferryHttpEnv } from '../support/harness.js';
import { heading, ms, note, percentile, pooled, ratio, sleep, spawnTsx, startLabProcess, table, type Bench } from './support.js';

const REQUESTS = 200;
const IN_FLIGHT = 50;
const WARM_UP = 10;
const SLACK_LIMIT_MS = 3000;
const LINE = '/gluster status';
const SECRET = 'bench-signing-secret';
const CHANNEL = 'C0BENCH';
const USER = 'U_OPS';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-http.ts', import.meta.url));

interface Figures {
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
  failed: number;
}

export const ackLatency: Bench = {
  name: 'ack-latency',
  async run() {
    heading(`ack latency: ${REQUESTS} signed "${LINE}" requests, ${IN_FLIGHT} in flight`);
    const [lab, redis, slack] = await Promise.all([startLabProcess({ computes: 3, instances: 3 }), startRedis(), startSlackFake({ rateLimit: false })]);
    const responseUrl = slack.responseUrl({ channel: CHANNEL, user: USER });
    let seq = 0;
    const send = (url: string) =>
      postSigned(url, slashBody(LINE, { user: USER, channel: CHANNEL, responseUrl, triggerId: `bench.${process.pid}.${++seq}` }), { secret: SECRET });
    const bare = spawnTsx(BARE, []);
    let ferry: ReturnType<typeof spawnTsx> | undefined;
    try {
      // The baseline first, while nothing else is busy.
      const barePort = Number((await bare.waitFor(/bare listening on (\d+)/, 30_000))[1]);
      const bareFig = await burst(`http://127.0.0.1:${barePort}/slack/events`, send);
      await bare.stop();

      const env = ferryHttpEnv({ configPath: lab.configPath, slack, redisUrl: redis.url, secret: SECRET });
      ferry = spawnTsx(MAIN, ['serve', '--host', '127.0.0.1'], env);
      const port = Number((await ferry.waitFor(/ferry serving on port (\d+)/, 60_000))[1]);
      const postsBefore = () => slack.calls('chat.postMessage').length;
      const ferryStart = performance.now();
      const ferryFig = await burst(`http://127.0.0.1:${port}/slack/events`, send);
      // Context, not the figure: how long ferry took to post every answer after the burst.
      const expected = WARM_UP + REQUESTS;
      const deadline = Date.now() + 60_000;
      while (postsBefore() < expected && Date.now() < deadline) await sleep(100);
      const answeredMs = performance.now() - ferryStart;

      table([
        ['target', 'p50', 'p99', 'max', 'wall (200)', 'non-200', 'p99 / 3 s'],
        ['bare node:http', ms(bareFig.p50), ms(bareFig.p99), ms(bareFig.max), ms(bareFig.wallMs), String(bareFig.failed), pct(bareFig.p99 / SLACK_LIMIT_MS)],
        ['ferry serve', ms(ferryFig.p50), ms(ferryFig.p99), ms(ferryFig.max), ms(ferryFig.wallMs), String(ferryFig.failed), pct(ferryFig.p99 / SLACK_LIMIT_MS)],
        ['ferry / bare', ratio(ferryFig.p50, bareFig.p50), ratio(ferryFig.p99, bareFig.p99), ratio(ferryFig.max, bareFig.max), ratio(ferryFig.wallMs, bareFig.wallMs), '', ''],
      ]);
      note(`${WARM_UP} warm-up requests to each target first, not counted. Client, lab, redis-server and Slack fake share the machine with ferry.`);
      note(`ferry posted ${postsBefore()} of ${expected} answers to the Slack fake ${ms(answeredMs)} after the burst began.`);
      return [
        `ferry p50 ${ms(ferryFig.p50)}, p99 ${ms(ferryFig.p99)} = ${pct(ferryFig.p99 / SLACK_LIMIT_MS)} of Slack's 3 s; bare node:http p50 ${ms(bareFig.p50)}, p99 ${ms(bareFig.p99)}; ferry/bare ${ratio(ferryFig.p50, bareFig.p50)} at p50, ${ratio(ferryFig.p99, bareFig.p99)} at p99` +
          (ferryFig.failed + bareFig.failed > 0 ? `; non-200: ferry ${ferryFig.failed}, bare ${bareFig.failed}` : ''),
      ];
    } finally {
      await bare.stop();
      await ferry?.stop();
      await Promise.allSettled([lab.stop(), redis.stop(), slack.close()]);
    }
  },
};

async function burst(url: string, send: (url: string) => Promise<{ status: number; ms: number }>): Promise<Figures> {
  for (let i = 0; i < WARM_UP; i++) await send(url);
  const started = performance.now();
  const results = await pooled(REQUESTS, IN_FLIGHT, () => send(url).catch(() => ({ status: 0, ms: NaN })));
  const wallMs = performance.now() - started;
  const times = results.filter((r) => Number.isFinite(r.ms)).map((r) => r.ms);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times), wallMs, failed: results.filter((r) => r.status !== 200).length };
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '-';
}
