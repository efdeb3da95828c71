/**
 * The workers of one ferry process. Any number of processes (serve, worker,
 * run, demo) may run them against the same Redis; BullMQ hands each job to one.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { isConnectionLoss, waitingConnection } from '../redis.js';
import type { Notifier } from './notifier.js';
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
  const migrate = new Worker<MigrationJobData>(QUEUE.migrate, (job, token) => watchSlowCalls(log.child({ jobId: job.id }), () => processMigration(job, { ...deps, stopping: () => stopping }, token)), {
    ...common,
    connection: connection(),
    // Each job mostly waits on nova; the evacuation decides how many run at once.
    concurrency: 64,
  });
  whenGivenUp(migrate, 'migration', (job, err) => migrationJobFailed(job, err, deps));
  const evacuate = new Worker<EvacuationJobData>(QUEUE.evacuate, (job, token) => processEvacuation(job, { ...deps, audit: rt.audit, stopping: () => stopping }, token), {
    ...common,
    connection: connection(),
    // A parent job only starts and watches its migration jobs.
    concurrency: 64,
  });
  whenGivenUp(evacuate, 'evacuation', (job, err) => evacuationJobFailed(job, err, deps));
  const bootstrap = new Worker<BootstrapJobData>(QUEUE.bootstrap, (job) => processBootstrap(job, { ...deps, audit: rt.audit }), { ...common, connection: connection(), concurrency: 4 });
  whenGivenUp(bootstrap, 'bootstrap', (job, err) => bootstrapJobFailed(job, err, deps));
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
