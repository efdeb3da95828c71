/**
 * Benchmark 1, ack latency: 200 signed `/gluster status` slash commands, 100 in
 * flight at a time, against `ferry serve` in HTTP mode (a child process, with
 * the Slack Web API fake, a lab and a redis-server behind it), and in the same
 * rounds, just before, the same requests against a bare node:http server that
 * only answers 200: on a shared machine both move with its load, so the ratio
 * is taken between bursts seconds apart, not minutes.
 * ferry is measured five times, started afresh each time with Slack's Web API
 * (the fake) answering normally, auth.test answering in 4 s, auth.test
 * answering 503, the whole Web API answering in 4 s, and the whole Web API
 * answering 503: the ack must not depend on Slack (target: p99 ≤ 50 ms in
 * every case). Once more with Slack answering and FERRY_THREAD_POLICY=nice, to
 * show what putting ferry's other threads in SCHED_IDLE buys, and once with V8's memory
 * reducer on, to show what the program's `--no-memory-reducer` buys. ferry runs under the
 * node flags of the program's first line (src/cli/main.ts), as the installed `ferry` does.
 * The time measured is the client's, in a process of its own (ack-client.ts):
 * signed request written → HTTP answer (the ack) read. The client opens its
 * 100 keep-alive connections before the burst (one untimed GET /healthz on
 * each) and writes pre-signed raw HTTP/1.1 bytes on plain sockets: with a
 * node:http agent and fresh connections its own cost was above the target
 * (bare node:http p99 about 130–410 ms on a busy machine, 15–60 ms now).
 * Each command's real work (SSH to the lab, the post to Slack) runs after its
 * ack, so later acks are measured while ferry is busy with earlier commands.
 * Each case gets ROUNDS rounds, a few seconds apart: one burst's p99 is its second
 * slowest ack, and on a shared 2-core machine it moved by ×2 between runs of the same
 * build (the bare server's too). The p99 shown is over every ack of every round; each
 * round's own p99, ferry's and the bare server's, is shown beside it, so a run's
 * spread is in the table.
 * FERRY_BENCH_CPU_PROF=DIR writes CPU profiles of ferry's threads there (node --cpu-prof,
 * written when ferry exits): the commands then come from a user without a role, so ferry
 * refuses each through its response_url and, on SIGTERM, has no posts left to pace out;
 * the acking thread's work per request is the same;
 * ACK_LATENCY_CASE=NAME runs only the cases whose name contains NAME;
 * ACK_LATENCY_ROUNDS=N sets the rounds per case (default 5);
 * ACK_LATENCY_THREADS=1 prints, for each burst, the CPU each thread of ferry (or the bare
 * server), the lab, the bench and the client used during it, and how long each waited for a CPU.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../src/lab/redis-server.js';
import { startSlackFake, type Outage } from '../support/slack-fake.js';
import { ferryHttpEnv } from '../support/harness.js';
import { heading, ms, note, percentile, ratio, sleep, spawnTsx, startLabProcess, table, type Bench } from './support.js';

const REQUESTS = 200;
const IN_FLIGHT = 100;
const WARM_UP = 10;
const ROUNDS = Number(process.env.ACK_LATENCY_ROUNDS ?? 5);
/** Between two rounds: the acks' after-work (SSH, posts) has mostly run by then. */
const ROUND_PAUSE_MS = 3000;
/** Between a round's bare burst and its ferry burst. */
const BETWEEN_TARGETS_MS = 500;
/** How long the answers ferry posts after the bursts are counted. */
const ANSWER_WAIT_MS = 10_000;
const TARGET_P99_MS = 50;
const LINE = '/gluster status';
const SECRET = 'bench-signing-secret';
const CHANNEL = 'C0BENCH';
/** Has a role in the lab's ferry.yml: ferry runs its commands and posts their answers. */
const OPS = 'U_OPS';
/** Has no role: ferry refuses each command through its response_url, with no SSH and no post. */
const NOBODY = 'U_NOBODY';
/** With FERRY_BENCH_CPU_PROF, the role-less user (see above). */
const USER = process.env.FERRY_BENCH_CPU_PROF ? NOBODY : OPS;
/**
 * Untimed bursts to each target before its rounds, from the role-less user: the acking thread's
 * work per request is the same (it does not know who asks), and no SSH or post is left behind to
 * run during the rounds. One bare server's p99 fell from about 36 ms to 12-21 ms over its first
 * 8 bursts, ferry's from about 50 ms to 23-35 ms (15 rounds of "Web API down"): V8 optimizes
 * node:http's code and ferry's as they run. A ferry serving Slack for hours is the warm one.
 */
const WARM_BURSTS = 8;
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-http.ts', import.meta.url));
const CLIENT = fileURLToPath(new URL('./ack-client.ts', import.meta.url));

/** The node flags on the first line of the `ferry` program, e.g. `#!/usr/bin/env -S node --no-memory-reducer`. */
const PROGRAM_NODE_FLAGS = /^#!\S*env -S node (.+)$/.exec(readFileSync(MAIN, 'utf8').split('\n', 1)[0]!)?.[1]!.trim().split(/\s+/) ?? [];

/** Slack's Web API as ferry finds it when it starts. */
const SCENARIOS: { name: string; outage?: Outage; env?: Record<string, string>; withoutFlag?: string }[] = [
  { name: 'Slack answering' },
  // The same with the command thread only niced, the others not in SCHED_IDLE: what the idle class buys.
  { name: 'Slack answering, threads only niced', env: { FERRY_THREAD_POLICY: 'nice' } },
  // The same with V8's memory reducer on: what the program's flag buys.
  { name: 'Slack answering, memory reducer on', withoutFlag: '--no-memory-reducer' },
  { name: 'auth.test in 4 s', outage: { methods: ['auth.test'], delayMs: 4000 } },
  { name: 'auth.test 503', outage: { methods: ['auth.test'], status: 503 } },
  { name: 'Web API in 4 s', outage: { delayMs: 4000 } },
  { name: 'Web API down (503)', outage: { status: 503 } },
];

/** ACK_LATENCY_CASE=NAME runs only the cases whose name contains NAME (e.g. "Web API in 4 s"). */
function chosenScenarios(): typeof SCENARIOS {
  const only = process.env.ACK_LATENCY_CASE;
  return only ? SCENARIOS.filter((s) => s.name.includes(only)) : SCENARIOS;
}

interface Figures {
  p50: number;
  p99: number;
  max: number;
  failed: number;
  /** Each round's own p99. */
  roundP99: number[];
  /** ferry's first warm-up burst after it started, its code still cold: not in the figures above. */
  firstP99?: number;
}

export const ackLatency: Bench = {
  name: 'ack-latency',
  async run() {
    heading(`ack latency: ${REQUESTS} signed "${LINE}" requests, ${IN_FLIGHT} in flight`);
    const [lab, redis, slack] = await Promise.all([startLabProcess({ computes: 3, instances: 3 }), startRedis(), startSlackFake({ rateLimit: false })]);
    const responseUrl = slack.responseUrl({ channel: CHANNEL, user: USER });
    let runs = 0;
    const bare = spawnTsx(BARE, []);
    let ferry: ReturnType<typeof spawnTsx> | undefined;
    const threads = (pid: number, name: string) => (process.env.ACK_LATENCY_THREADS ? { [lab.pid]: 'lab', [process.pid]: 'bench', [pid]: name } : undefined);
    const burst = (url: string, watch: Record<number, string> | undefined, user = USER) =>
      clientBurst({ url, secret: SECRET, line: LINE, user, channel: CHANNEL, responseUrl, requests: REQUESTS, inFlight: IN_FLIGHT, warmUp: WARM_UP, tag: `bench.${process.pid}.${++runs}`, threads: watch });
    try {
      const barePort = Number((await bare.waitFor(/bare listening on (\d+)/, 30_000))[1]);
      const bareUrl = `http://127.0.0.1:${barePort}/slack/events`;
      await warmUp(() => burst(bareUrl, undefined, NOBODY));

      // ferry's default thread policy (the test harness lowers only by nice).
      const env = { ...ferryHttpEnv({ configPath: lab.configPath, slack, redisUrl: redis.url, secret: SECRET }), FERRY_THREAD_POLICY: 'idle' };
      const results: { name: string; fig: Figures; bareFig: Figures; answered: string; inside: string }[] = [];
      const profDir = process.env.FERRY_BENCH_CPU_PROF;
      const nodeArgs = [...PROGRAM_NODE_FLAGS, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
      for (const scenario of chosenScenarios()) {
        slack.reset();
        slack.outage(scenario.outage);
        const f = spawnTsx(MAIN, ['serve', '--host', '127.0.0.1'], { ...env, ...scenario.env }, nodeArgs.filter((a) => a !== scenario.withoutFlag));
        ferry = f;
        const port = Number((await f.waitFor(/ferry serving on port (\d+)/, 60_000))[1]);
        const ferryUrl = `http://127.0.0.1:${port}/slack/events`;
        const first = await warmUp(() => burst(ferryUrl, undefined, NOBODY));
        const started = performance.now();
        // Each round: the bare server, then ferry, so both meet the machine as it is at that moment.
        const { fig, bareFig } = await rounds({ bare: () => burst(bareUrl, threads(bare.pid, 'bare')), ferry: () => burst(ferryUrl, threads(f.pid, 'ferry')) });
        fig.firstP99 = first;
        const inside = await insideP99(`http://127.0.0.1:${port}/metrics`);
        // Context, not the figure: the answers ferry posted soon after the bursts (not when posting is down).
        let answered = '-';
        if (!scenario.outage?.status || scenario.outage.methods) {
          const posts = () => slack.calls('chat.postMessage').filter((c) => c.ok).length;
          const deadline = Date.now() + ANSWER_WAIT_MS;
          while (posts() < ROUNDS * (WARM_UP + REQUESTS) && Date.now() < deadline) await sleep(100);
          answered = `${posts()} in ${ms(performance.now() - started)}`;
        }
        await f.stop();
        ferry = undefined;
        slack.outage(undefined);
        results.push({ name: scenario.name, fig, bareFig, answered, inside });
      }

      const base = results[0]!.fig;
      table([
        ['ferry, Slack’s Web API', 'p50', 'p99', 'max', 'non-200', `p99 ≤ ${TARGET_P99_MS} ms`, 'p99 per round', 'bare p99 per round', 'first burst p99', 'p99 / bare', 'p99 / answering', 'p99 in ferry', 'answers posted'],
        ...results.map(({ name, fig, bareFig, answered, inside }) => [
          name, ms(fig.p50), ms(fig.p99), ms(fig.max), String(fig.failed), fig.p99 <= TARGET_P99_MS ? 'yes' : 'NO', perRound(fig), perRound(bareFig), fig.firstP99 === undefined ? '-' : ms(fig.firstP99),
          ratio(fig.p99, bareFig.p99), ratio(fig.p99, base.p99), inside, answered,
        ]),
      ]);
      note(`${ROUNDS} rounds per case, ${ROUND_PAUSE_MS / 1000} s apart; in each, one burst to a bare node:http server (bare-http.ts) and then one to ferry. p50, p99 and max over the acks of all rounds.`);
      note(`Before the rounds, ${WARM_BURSTS} untimed bursts to each target (the bare server once, ferry in each case) from a user without a role, refused at once by ferry: V8 optimizes code as it runs.`);
      note('first burst p99: the first of those bursts to ferry, just after it started, with its code cold; not in the other figures.');
      note(`p99 / bare: ferry's p99 over the bare server's, both over the same rounds. Neither counts ${WARM_UP} warm-up requests per burst and the opening of the ${IN_FLIGHT} connections (GET /healthz on each).`);
      note(`ferry runs with the node flags of the program’s first line (src/cli/main.ts): ${PROGRAM_NODE_FLAGS.join(' ') || 'none'}.`);
      note('ferry restarted for each case, with Slack’s state set before it starts. Client, bare server, lab, redis-server and Slack fake share the machine with ferry.');
      note('p99 in ferry: from ferry_ack_seconds (request read and verified → ack), the upper bound of its bucket, warm-up bursts included; the rest of the client time is spent before ferry reads the request.');
      note(`answers posted: chat.postMessage calls that succeeded, counted up to ${ANSWER_WAIT_MS / 1000} s after the last round, and the time since the first round; ferry posts to a channel once a second, as Slack allows, and every answer here goes to one channel.`);
      return [
        `p99 (target ≤ ${TARGET_P99_MS} ms): ` + results.map(({ name, fig }) => `${name} ${ms(fig.p99)}`).join(', '),
        'first burst after start, p99: ' + results.map(({ name, fig }) => `${name} ${fig.firstP99 === undefined ? '-' : ms(fig.firstP99)}`).join(', '),
        'p99 / bare, same rounds: ' + results.map(({ name, fig, bareFig }) => `${name} ${ratio(fig.p99, bareFig.p99)} (bare ${ms(bareFig.p99)})`).join(', '),
        'non-200: ' + results.map(({ name, fig, bareFig }) => `${name} ${fig.failed} (bare ${bareFig.failed})`).join(', '),
      ];
    } finally {
      await bare.stop();
      await ferry?.stop();
      await Promise.allSettled([lab.stop(), redis.stop(), slack.close()]);
    }
  },
};

/** ferry's own view of its acks: the bucket bound under which 99 % of ferry_ack_seconds{kind="command"} fall. */
async function insideP99(url: string): Promise<string> {
  const text = await (await fetch(url)).text();
  const buckets = [...text.matchAll(/^ferry_ack_seconds_bucket\{le="([^"]+)",kind="command"\} (\d+)$/gm)].map((m) => ({ le: Number(m[1]), n: Number(m[2]) }));
  const total = buckets.at(-1)?.n ?? 0;
  const bound = buckets.find((b) => b.n >= total * 0.99)?.le;
  return bound === undefined || total === 0 ? '-' : Number.isFinite(bound) ? `≤ ${ms(bound * 1000)}` : '> 5 s';
}

const perRound = (f: Figures) => f.roundP99.map((p) => ms(p)).join(' / ');

/** ROUNDS rounds of one bare burst and one ferry burst; the figures of each over its acks of all rounds. */
async function rounds(targets: { bare: () => Promise<Burst>; ferry: () => Promise<Burst> }): Promise<{ fig: Figures; bareFig: Figures }> {
  const bursts = { bare: [] as Burst[], ferry: [] as Burst[] };
  for (let r = 0; r < ROUNDS; r++) {
    await sleep(ROUND_PAUSE_MS);
    bursts.bare.push(await targets.bare());
    await sleep(BETWEEN_TARGETS_MS);
    bursts.ferry.push(await targets.ferry());
  }
  return { fig: figures(bursts.ferry), bareFig: figures(bursts.bare) };
}

/** WARM_BURSTS untimed bursts, a moment apart; the first one's p99 (the cold target's). A non-200 answer stops the bench. */
async function warmUp(burst: () => Promise<Burst>): Promise<number> {
  let first: number | undefined;
  for (let i = 0; i < WARM_BURSTS; i++) {
    const { times, failed } = await burst();
    if (failed) throw new Error(`warm-up burst ${i + 1}: ${failed} of ${REQUESTS} requests were not answered 200`);
    first ??= percentile(times, 99);
    await sleep(BETWEEN_TARGETS_MS);
  }
  return first!;
}

function figures(bursts: Burst[]): Figures {
  const all = bursts.flatMap((b) => b.times);
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: Math.max(...all),
    failed: bursts.reduce((n, b) => n + b.failed, 0),
    roundP99: bursts.map((b) => percentile(b.times, 99)),
  };
}

/** One burst's ack times (ms), and how many answers were not 200. */
interface Burst {
  times: number[];
  failed: number;
}

/** One burst from a client process of its own. */
async function clientBurst(job: Record<string, unknown>): Promise<Burst> {
  const client = spawnTsx(CLIENT, [JSON.stringify(job)]);
  try {
    const m = await client.waitFor(/^acks (.+)$/m, 300_000);
    const { ms: all, status } = JSON.parse(m[1]!) as { ms: (number | null)[]; status: number[] };
    const times = all.filter((t): t is number => t !== null && Number.isFinite(t));
    return { times, failed: status.filter((s) => s !== 200).length };
  } finally {
    await client.stop();
  }
}
