/**
 * The acking thread's side of the work thread (answer-worker.ts): starts it, hands it
 * each acked request, asks it what only it knows (Redis readiness, job counts), applies
 * the metrics it counts, and stops it after the commands in flight. If the work thread
 * dies, every request it had not finished is answered with a failure through its
 * response_url (nothing is re-run: whether it ran is unknown), and a new thread starts;
 * requests that arrive while it starts wait for it. Stopping waits for the commands in
 * flight, but not past the service manager's grace (60 s in deploy/): the users of those
 * still running then are told, and the thread is ended.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { report as makeReport, type Report } from '../report.js';
import { responseUrlAnswer } from './answers.js';
import { respondWith } from './poster.js';
import type { AnswerWorkerData, DeliveredRequest, FromWorker, MetricEvent, Question, ToWorker } from './answer-protocol.js';
import type { RequestAbout } from './slack-request.js';
import { idleOtherThreads } from '../thread-policy.js';

export interface AnswerThread {
  /** Starts the work thread; resolves once it is up (createFerry done), rejects if it could not start. */
  start(): Promise<{ jobs: boolean }>;
  /** Hands over one acked request; `about` names it to its user if it is lost (called only then). */
  request(req: DeliveredRequest, about: () => RequestAbout): void;
  ask(question: Question): Promise<unknown>;
  /** Waits for the requests in flight, closes the work thread's ferry and ends the thread. */
  stop(): Promise<void>;
}

/**
 * The work thread: answer-worker.js beside this module in dist/; under tsx and vitest,
 * answer-worker.ts loaded through tsx's tsImport (a `--import tsx` in a thread's execArgv
 * does not reach the thread's own entry module on Node 20).
 */
function newWorker(data: AnswerWorkerData, entryOverride?: URL): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(entryOverride ?? new URL('./answer-worker.js', here), { workerData: data });
  // tsx's ESM API by its package's own exports map (require.resolve would give its CommonJS build).
  const pkgPath = createRequire(here).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
  const entry = (entryOverride ?? new URL('./answer-worker.ts', here)).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`, { eval: true, workerData: data });
}

function lostReport(line: string) {
  return makeReport({
    title: 'ferry lost this request',
    verdict: 'UNKNOWN',
    reasons: [`ferry’s command thread stopped while answering ${line}: whether it ran is unknown; check before asking again`],
    notes: ['The details are in ferry’s log.'],
  });
}

function unfinishedReport(line: string) {
  return makeReport({
    title: 'ferry stopped before it finished this request',
    verdict: 'UNKNOWN',
    reasons: [`ferry was stopped (a restart or a shutdown) while answering ${line}: whether it ran is unknown; check before asking again`],
    notes: ['The details are in ferry’s log.'],
  });
}

/** How long stop() waits for the commands in flight: under the 60 s the systemd units and compose allow. */
const STOP_WAIT_MS = 45_000;
/** Then how long it waits for their users to be told (Slack may be slow or down). */
const TELL_WAIT_MS = 10_000;

function notRunReport(line: string, why: string) {
  return makeReport({
    title: 'ferry could not take this request',
    verdict: 'FAIL',
    reasons: [`${line} was not run: ${why}`],
    notes: ['The details are in ferry’s log.'],
  });
}

export interface AnswerThreadOptions {
  config: Config;
  /** Start the job workers in the thread too. */
  jobWorkers: boolean;
  log: Logger;
  metrics: Metrics;
  /** The thread's module instead of answer-worker (tests wrap it to end the thread as a crash would). */
  entry?: URL;
  /** How long stop() waits for the commands in flight (default STOP_WAIT_MS). */
  stopWaitMs?: number;
}

/** The work thread for `config`. */
export function createAnswerThread(o: AnswerThreadOptions): AnswerThread {
  const { log, metrics } = o;
  const data: AnswerWorkerData = { config: o.config, jobWorkers: o.jobWorkers };
  /** The thread, from when it starts until it ends. */
  let worker: Worker | undefined;
  /** The thread once it is up: requests go to it. */
  let serving: Worker | undefined;
  /** Set while a thread starts again after one died: requests wait here for it. */
  let restarting: Promise<unknown> | undefined;
  const waiting: { m: ToWorker & { id: number }; about: () => RequestAbout }[] = [];
  let stopping = false;
  let nextId = 0;
  /** Requests handed over and not yet done: what to tell their user if the thread dies. */
  const pending = new Map<number, () => RequestAbout>();
  const questions = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let stopped: (() => void) | undefined;

  const apply = (e: MetricEvent) => {
    if (e.kind === 'command') metrics.command(e.name, e.outcome);
    else if (e.kind === 'ssh') metrics.sshExec(e.observation);
    else metrics.slackError(e.method, e.error);
  };

  /** With FERRY_THREAD_POLICY=idle, each new command thread (and V8's helpers) goes below this one. */
  const lowerOthers = async () => {
    if (o.config.env.FERRY_THREAD_POLICY !== 'idle') return;
    const { idled, problems } = await idleOtherThreads().catch((err: Error) => ({ idled: 0, problems: [err.message] }));
    if (problems.length) log.warn({ idled, problems }, 'some threads could not be put in SCHED_IDLE: acks may wait behind commands on a busy machine (FERRY_THREAD_POLICY)');
    else log.info({ idled }, 'every thread but the acking one is in SCHED_IDLE');
  };

  const died = (why: string) => {
    log.error({ why, unanswered: pending.size }, 'the command thread stopped; its unfinished requests are answered with a failure');
    for (const about of pending.values()) void tell(about(), lostReport);
    pending.clear();
    for (const q of questions.values()) q.reject(new Error(`the command thread stopped (${why})`));
    questions.clear();
  };

  const spawn = () =>
    new Promise<{ jobs: boolean }>((resolve, reject) => {
      const w = newWorker(data, o.entry);
      worker = w;
      let up = false;
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            up = true;
            serving = w;
            return void lowerOthers().finally(() => resolve({ jobs: m.jobs }));
          case 'failed-to-start':
            reject(new Error(m.message));
            return void w.terminate();
          case 'done':
            return void pending.delete(m.id);
          case 'answer': {
            const q = questions.get(m.id);
            questions.delete(m.id);
            return m.error === undefined ? q?.resolve(m.value) : q?.reject(new Error(m.error));
          }
          case 'metrics':
            return m.events.forEach(apply);
          case 'stopped':
            return stopped?.();
        }
      });
      w.on('error', (err) => log.error({ err }, 'the command thread failed'));
      w.on('exit', (code) => {
        if (worker === w) worker = undefined;
        if (serving === w) serving = undefined;
        if (!up) reject(new Error(`the command thread exited (${code}) before it was up`));
        if (stopped) return stopped();
        died(`exit code ${code}`);
        // Later requests get a fresh thread; this one's are answered above.
        if (!stopping && up) restart();
      });
    });

  /** Starts a new thread, then hands it the requests that waited; if it cannot start, tells their users nothing was run. */
  const restart = () => {
    restarting ??= spawn()
      .then(
        () => {
          for (const { m, about } of waiting.splice(0)) {
            if (stopping) void tell(about(), (line) => notRunReport(line, 'ferry is stopping; try again in a minute'));
            else handOver(m, about);
          }
        },
        (err: Error) => {
          log.error({ err }, 'the command thread could not start again');
          for (const { about } of waiting.splice(0)) void tell(about(), (line) => notRunReport(line, `ferry’s command thread could not start (${err.message})`));
        },
      )
      .finally(() => (restarting = undefined));
  };
  const tell = async ({ line, responseUrl }: RequestAbout, report: (line: string) => Report) => {
    if (responseUrl) await respondWith(responseUrlAnswer(responseUrl), report(line)).catch((err: Error) => log.error({ err, line }, 'could not tell the user'));
  };

  const send = (m: ToWorker) => {
    if (!serving) throw new Error('the command thread is not running');
    serving.postMessage(m);
  };
  const handOver = (m: ToWorker & { id: number }, about: () => RequestAbout) => {
    if (!serving && !stopping) {
      waiting.push({ m, about });
      return restart();
    }
    pending.set(m.id, about);
    try {
      send(m);
    } catch (err) {
      died((err as Error).message);
    }
  };

  return {
    start: spawn,
    request: (req, about) => handOver({ type: 'request', id: ++nextId, req }, about),
    ask: (question) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        questions.set(id, { resolve, reject });
        try {
          send({ type: 'ask', id, question });
        } catch (err) {
          questions.delete(id);
          reject(err as Error);
        }
      }),
    async stop() {
      stopping = true;
      const w = worker;
      if (!w) return;
      const waitMs = o.stopWaitMs ?? STOP_WAIT_MS;
      const inTime = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), waitMs);
        stopped = () => {
          clearTimeout(timer);
          resolve(true);
        };
        w.postMessage({ type: 'stop' } satisfies ToWorker);
      });
      if (!inTime) {
        log.warn({ unfinished: pending.size, waitedMs: waitMs }, 'the command thread had not stopped when the wait ran out: it is ended, and the users of unfinished commands are told');
        const told = Promise.allSettled([...pending.values()].map((about) => tell(about(), unfinishedReport)));
        pending.clear();
        await Promise.race([told, new Promise((resolve) => setTimeout(resolve, TELL_WAIT_MS).unref())]);
      }
      await w.terminate();
    },
  };
}
