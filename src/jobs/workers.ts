/**
 * The workers of one ferry process. Any number of processes (serve, worker,
 * run, demo) may run them against the same Redis; BullMQ hands each job to one.
 */
import { hostname } from 'node:os';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Runtime } from '../runtime.js';
import type { Notifier } from './notifier.js';
import { LOCK_MS, MAX_STALLED, PREFIX, QUEUE, STALLED_CHECK_MS, type Jobs } from './jobs.js';
import { processMigration, type MigrationJobData } from './migration.js';
import { processEvacuation, type EvacuationJobData } from './evacuation.js';
import { bootstrapJobFailed, processBootstrap, type BootstrapJobData } from './bootstrap.js';
import { lockKey, releaseLock } from './locks.js';
import { report } from '../report.js';

export interface Workers {
  close(): Promise<void>;
}

export function startWorkers(rt: Runtime & { jobs: Jobs }, notifier: Notifier): Workers {
  const log = rt.log.child({ component: 'worker' });
  const deps = { cluster: rt.cluster, jobs: rt.jobs, notifier, log };
  const common = {
    prefix: PREFIX,
    lockDuration: LOCK_MS,
    stalledInterval: STALLED_CHECK_MS,
    maxStalledCount: MAX_STALLED,
    // Recorded on each job it takes (job.processedBy): which process did the work.
    name: `${hostname()}:${process.pid}`,
  };
  const connections: ReturnType<typeof rt.jobs.redis.duplicate>[] = [];
  // A worker blocks on its connection, so each gets its own, closed with it.
  const connection = () => {
    const c = rt.jobs.redis.duplicate();
    connections.push(c);
    return c as unknown as ConnectionOptions;
  };
  const migrate = new Worker<MigrationJobData>(QUEUE.migrate, (job) => processMigration(job, deps), {
    ...common,
    connection: connection(),
    // Each job mostly waits on nova; the evacuation decides how many run at once.
    concurrency: 64,
  });
  migrate.on('failed', (job: Job<MigrationJobData> | undefined, err: Error) => {
    if (!job) return;
    log.error({ err, jobId: job.id }, 'migration job attempt failed');
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void (async () => {
      await releaseLock(rt.jobs.redis, lockKey('instance', job.data.instanceId), String(job.id));
      await notifier.update(
        job.data.message,
        report({ title: `Migration of ${job.data.instanceName} to ${job.data.target}: ferry lost track`, verdict: 'FAIL', reasons: [err.message], notes: [`Check it by hand: /nova show ${job.data.instanceName}`] }),
      );
    })().catch((e: Error) => log.error({ err: e }, 'cleaning up a failed migration job'));
  });
  let stopping = false;
  const evacuate = new Worker<EvacuationJobData>(QUEUE.evacuate, (job, token) => processEvacuation(job, { ...deps, audit: rt.audit, stopping: () => stopping }, token), {
    ...common,
    connection: connection(),
    // A parent job only starts and watches its migration jobs.
    concurrency: 64,
  });
  evacuate.on('failed', (job: Job<EvacuationJobData> | undefined, err: Error) => {
    if (!job) return;
    log.error({ err, jobId: job.id }, 'evacuation job attempt failed');
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void (async () => {
      await releaseLock(rt.jobs.redis, lockKey('host', job.data.plan.host), String(job.id));
      await notifier.update(
        job.data.message,
        report({
          title: `Evacuation of ${job.data.plan.host}: ferry gave up`,
          verdict: 'FAIL',
          reasons: [err.message, 'migrations already started finish on their own; no new ones start'],
          notes: [`See what moved: /evacuate status ${job.data.evacId} · /nova list --host ${job.data.plan.host}`],
        }),
      );
    })().catch((e: Error) => log.error({ err: e }, 'cleaning up a failed evacuation job'));
  });
  const bootstrap = new Worker<BootstrapJobData>(QUEUE.bootstrap, (job) => processBootstrap(job, { ...deps, audit: rt.audit }), { ...common, connection: connection(), concurrency: 4 });
  bootstrap.on('failed', (job: Job<BootstrapJobData> | undefined, err: Error) => {
    if (!job) return;
    log.error({ err, jobId: job.id }, 'bootstrap job failed');
    bootstrapJobFailed(job, err, deps).catch((e: Error) => log.error({ err: e }, 'cleaning up a failed bootstrap job'));
  });
  const workers = [migrate, evacuate, bootstrap];
  for (const w of workers) w.on('error', (err) => log.error({ err }, 'worker error'));
  return {
    async close() {
      // Evacuations first: they hand themselves back to the queue instead of waiting for their migrations.
      stopping = true;
      await evacuate.close();
      await Promise.all(workers.map((w) => w.close()));
      for (const c of connections) c.disconnect();
    },
  };
}
