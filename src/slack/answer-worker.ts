/**
 * The work thread of `ferry serve` (started by answer-thread.ts): it owns createFerry
 * (SSH pool, Redis, jobs), the job workers, Bolt's routing of every acked request
 * (bolt-routes.ts) and its work, so the thread that acks Slack's requests is never
 * busy with them.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log.js';
import type { Redis } from 'ioredis';
import { createFerry, type Ferry } from '../ferry.js';
import type { Workers } from '../jobs/workers.js';
import { redisReady } from '../health.js';
import type { QueueName } from '../jobs/jobs.js';
import type { JobType } from 'bullmq';
import { createAnswers, type Answers } from './answers.js';
import { createBoltRoutes, type BoltRoutes } from './bolt-routes.js';
import { slackClientOptions } from './client-options.js';
import type { AnswerWorkerData, FromWorker, MetricEvent, Question, ToWorker } from './answer-protocol.js';

const port = parentPort!;
/** Metrics counted here, sent in batches: before any other message (so a command's come before its `done`), or within 100 ms. */
let unsent: MetricEvent[] = [];
let flushTimer: NodeJS.Timeout | undefined;
const flush = () => {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (!unsent.length) return;
  port.postMessage({ type: 'metrics', events: unsent } satisfies FromWorker);
  unsent = [];
};
const metric = (e: MetricEvent) => {
  unsent.push(e);
  flushTimer ??= setTimeout(flush, 100);
};
const send = (m: FromWorker) => {
  flush();
  port.postMessage(m);
};
const { config, jobWorkers } = workerData as AnswerWorkerData;
const log = createLogger(config.env.LOG_LEVEL).child({ thread: 'answers' });
// Linux keeps a nice value per thread, and pid 0 names the calling thread: this lowers the command
// thread alone, so when both want a CPU the acking thread gets it first.
try {
  os.setPriority(config.env.FERRY_COMMAND_THREAD_NICE);
} catch (err) {
  log.warn({ err }, 'could not lower the command thread’s priority');
}

interface Started {
  answers: Answers;
  routes: BoltRoutes;
  ferry: Ferry & { redis: Redis };
  workers?: Workers;
}

async function start(): Promise<Started> {
  const base = await createFerry(config, log, { redis: true });
  const ferry = { ...base, redis: base.redis! };
  const answers = createAnswers({ config, ferry, log, metric });
  const routes = createBoltRoutes({ token: config.env.SLACK_BOT_TOKEN!, answers, log, clientOptions: slackClientOptions(config.env) });
  const workers = jobWorkers ? await ferry.startWorkers() : undefined;
  return { answers, routes, ferry, workers };
}

const started = start();
const inFlight = new Set<Promise<unknown>>();

/** Runs one request's work once the thread is up; tells the acking thread when it is over. */
const track = (id: number, work: (s: Started) => Promise<unknown>) => {
  const p = started.then(work);
  inFlight.add(p);
  void p
    .catch((err: Error) => log.error({ err }, 'a request was not answered'))
    .finally(() => {
      inFlight.delete(p);
      send({ type: 'done', id });
    });
};

const ask = async ({ ferry }: Started, q: Question): Promise<unknown> => {
  if (q.what === 'flush') return undefined; // the answer itself is sent after what was pending
  if (q.what === 'redis-ready') return redisReady(ferry.redis)();
  if (!ferry.jobs) return {};
  return ferry.jobs.queue(q.queue as QueueName).getJobCounts(...(q.states as JobType[]));
};

const stop = async () => {
  const s = await started;
  await Promise.allSettled([...inFlight]);
  await s.answers.close();
  await s.workers?.close();
  await s.ferry.close();
};

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'request':
      return track(m.id, (s) => s.routes.deliver(m.req));
    case 'ask':
      return void started
        .then((s) => ask(s, m.question))
        .then(
          (value) => send({ type: 'answer', id: m.id, value }),
          (err: Error) => send({ type: 'answer', id: m.id, error: err.message }),
        );
    case 'stop':
      return void stop()
        .catch((err: Error) => log.error({ err }, 'stopping the work thread failed'))
        .finally(() => send({ type: 'stopped' }));
  }
});

started.then(
  (s) => send({ type: 'ready', jobs: Boolean(s.ferry.jobs) }),
  (err: Error) => {
    log.error({ err }, 'the work thread could not start');
    send({ type: 'failed-to-start', message: err.message });
  },
);
