/**
 * The workers of one ferry process. Any number of processes (serve, worker,
 * run, demo) may run them against the same Redis; BullMQ hands each job to one.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { isConnectionLoss, waitingConnection } from '../redis.js';
import type { Notifier } from './notifier.js';
import type { Report } from '../report.js';
import { LOCK_MS, MAX_STALLED, PREFIX, QUEUE, STALLED_CHECK_MS, jobsWith, type Jobs } from './jobs.js';
import { migrationJobFailed, processMigration, type MigrationJobData } from './migration.js';
import { watchSlowCalls } from '../cluster/slow-calls.js';
import { evacuationJobFailed, processEvacuation, type EvacuationJobData } from './evacuation.js';
import { bootstrapJobFailed, processBootstrap, type BootstrapJobData } from './bootstrap.js';

export interface Workers {
  /** Resolves once every worker is connected to Redis (at once, or when Redis comes back). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function startWorkers(rt: Runtime & { jobs: Jobs }, notifier: Notifier): Workers {
  const log = rt.log.child({ component: 'worker' });
  // The work itself waits out a Redis restart (the request connection would fail at once): a running job resumes when Redis returns.
  const jobs = jobsWith({ Queue, QueueEvents }, waitingConnection(rt.jobs.redis), log);
  const deps = { cluster: rt.cluster, jobs, notifier, log };
  const common = {
    prefix: PREFIX,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: MAX_STALLED,
    // Recorded on each job it takes (job.processedBy): which process did the work.
    name: `${hostname()}:${process.pid}`,
  };
  const connections = [jobs.redis];
  // A worker blocks on its connection, so each gets its own, closed with it.
  const connection = () => {
    const c = waitingConnection(rt.jobs.redis);
    connections.push(c);
    return c as unknown as ConnectionOptions;
  };
  let stopping = false;
  const migrate = new Worker<MigrationJobData>(QUEUE.migrate, (job, token) => watchSlowCalls(log.child({ jobId: job.id }), () => processMigration(job, { ...deps, notifier: forJob(notifier, job), stopping: () => stopping }, token)).then(named(job)), {
    ...common,
    connection: connection(),
    // Each job mostly waits on nova; the evacuation decides how many run at once.
    concurrency: 64,
  });
  whenGivenUp(migrate, 'migration', (job, err) => migrationJobFailed(job, err, { ...deps, notifier: forJob(notifier, job) }));
  const evacuate = new Worker<EvacuationJobData>(QUEUE.evacuate, (job, token) => processEvacuation(job, { ...deps, notifier: forJob(notifier, job), audit: rt.audit, stopping: () => stopping }, token).then(named(job)), {
    ...common,
    connection: connection(),
    // A parent job only starts and watches its migration jobs.
    concurrency: 64,
  });
  whenGivenUp(evacuate, 'evacuation', (job, err) => evacuationJobFailed(job, err, { ...deps, notifier: forJob(notifier, job) }));
  const bootstrap = new Worker<BootstrapJobData>(QUEUE.bootstrap, (job) => processBootstrap(job, { ...deps, notifier: forJob(notifier, job), audit: rt.audit }).then(named(job)), { ...common, connection: connection(), concurrency: 4 });
  whenGivenUp(bootstrap, 'bootstrap', (job, err) => bootstrapJobFailed(job, err, { ...deps, notifier: forJob(notifier, job) }));
  /** Logs every failed attempt; after the last one, `cleanup` releases the job's lock and says so in its message. */
  function whenGivenUp<T>(worker: Worker<T>, what: string, cleanup: (job: Job<T>, err: Error) => Promise<void>) {
    worker.on('failed', (job: Job<T> | undefined, err: Error) => {
      if (!job) return;
      log.error({ err, jobId: job.id }, `${what} job attempt failed`);
      if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
      cleanup(job, err).catch((e: Error) => log.error({ err: e, jobId: job.id }, `cleaning up a failed ${what} job`));
    });
  }
  const workers = [migrate, evacuate, bootstrap];
  for (const w of workers) {
    w.on('error', (err) => {
      if (!isConnectionLoss(err)) log.error({ err }, 'worker error');
    });
  }
  return {
    async ready() {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    async close() {
      // Evacuations first, then migrations: both hand themselves back to the queue instead of waiting for nova.
      stopping = true;
      await evacuate.close();
      await Promise.all(workers.map((w) => w.close()));
      await jobs.close();
      for (const c of connections) c.disconnect();
    },
  };
}

/** The notifier of one job: every message it shows names the job (`job ID`), in Slack and in the terminal. */
function forJob(notifier: Notifier, job: Job): Notifier {
  const jobId = String(job.id);
  return { ...notifier, update: (m, r) => notifier.update(m, { ...r, jobId }), post: (c, r) => notifier.post(c, { ...r, jobId }) };
}

/** The job's final report names the job too (`ferry run`, `/evacuate status`). */
function named(job: Job) {
  return <R extends { report: Report }>(r: R): R => ({ ...r, report: { ...r.report, jobId: String(job.id) } });
}
