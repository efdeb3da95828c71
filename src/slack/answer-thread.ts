/**
 * The acking thread's side of the work thread (answer-worker.ts): starts it, hands it
 * each acked request, asks it what only it knows (Redis readiness, job counts), applies
 * the metrics it counts, and stops it after the commands in flight. If the work thread
 * dies, every request it had not finished is answered with a failure through its
 * response_url (nothing is re-run: whether it ran is unknown), and a new thread starts.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { report as makeReport } from '../report.js';
import { responseUrlAnswer } from './answers.js';
import { respondWith } from './poster.js';
import type { AnswerWorkerData, ApprovalRequest, FromWorker, LineRequest, MetricEvent, Question, ToWorker } from './answer-protocol.js';

export interface AnswerThread {
  /** Starts the work thread; resolves once it is up (createFerry done), rejects if it could not start. */
  start(): Promise<{ jobs: boolean }>;
  line(req: LineRequest): void;
  approval(req: ApprovalRequest): void;
  home(userId: string): void;
  ask(question: Question): Promise<unknown>;
  /** Waits for the requests in flight, closes the work thread's ferry and ends the thread. */
  stop(): Promise<void>;
}

/**
 * The work thread: answer-worker.js beside this module in dist/; under tsx and vitest,
 * answer-worker.ts loaded through tsx's tsImport (a `--import tsx` in a thread's execArgv
 * does not reach the thread's own entry module on Node 20).
 */
function newWorker(data: AnswerWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./answer-worker.js', here), { workerData: data });
  // tsx's ESM API by its package's own exports map (require.resolve would give its CommonJS build).
  const pkgPath = createRequire(here).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
  const entry = new URL('./answer-worker.ts', here).href;
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

/** The work thread for `config`; `jobWorkers` starts the job workers in it too. */
export function createAnswerThread(o: { config: Config; jobWorkers: boolean; log: Logger; metrics: Metrics }): AnswerThread {
  const { log, metrics } = o;
  const data: AnswerWorkerData = { config: o.config, jobWorkers: o.jobWorkers };
  let worker: Worker | undefined;
  let stopping = false;
  let nextId = 0;
  /** Requests handed over and not yet done: what to tell their user if the thread dies. */
  const pending = new Map<number, { line: string; responseUrl: string }>();
  const questions = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let stopped: (() => void) | undefined;

  const apply = (e: MetricEvent) => {
    if (e.kind === 'command') metrics.command(e.name, e.outcome);
    else if (e.kind === 'ssh') metrics.sshExec(e.observation);
    else metrics.slackError(e.method, e.error);
  };

  const died = (why: string) => {
    log.error({ why, unanswered: pending.size }, 'the command thread stopped; its unfinished requests are answered with a failure');
    for (const { line, responseUrl } of pending.values()) {
      if (responseUrl) void respondWith(responseUrlAnswer(responseUrl), lostReport(line)).catch((err: Error) => log.error({ err, line }, 'could not tell the user'));
    }
    pending.clear();
    for (const q of questions.values()) q.reject(new Error(`the command thread stopped (${why})`));
    questions.clear();
  };

  const spawn = () =>
    new Promise<{ jobs: boolean }>((resolve, reject) => {
      const w = newWorker(data);
      worker = w;
      let up = false;
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            up = true;
            return resolve({ jobs: m.jobs });
          case 'failed-to-start':
            return reject(new Error(m.message));
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
        if (!up) reject(new Error(`the command thread exited (${code}) before it was up`));
        if (stopped) return stopped();
        died(`exit code ${code}`);
        // Later requests get a fresh thread; this one's are answered above.
        if (!stopping && up) spawn().catch((err: Error) => log.error({ err }, 'the command thread could not start again'));
      });
    });

  const send = (m: ToWorker) => {
    if (!worker) throw new Error('the command thread is not running');
    worker.postMessage(m);
  };
  const handOver = (m: ToWorker & { id: number }, line: string, responseUrl: string) => {
    pending.set(m.id, { line, responseUrl });
    try {
      send(m);
    } catch (err) {
      died((err as Error).message);
    }
  };

  return {
    start: spawn,
    line: (req) => handOver({ type: 'line', id: ++nextId, req }, req.line, req.responseUrl),
    approval: (req) => handOver({ type: 'approval', id: ++nextId, req }, `the ${req.decision} press`, req.responseUrl),
    home: (userId) => handOver({ type: 'home', id: ++nextId, userId }, 'the App Home', ''),
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
      await new Promise<void>((resolve) => {
        stopped = resolve;
        w.postMessage({ type: 'stop' } satisfies ToWorker);
      });
      await w.terminate();
    },
  };
}
