/**
 * The workers of one ferry process. Any number of processes (serve, worker,
 * run, demo) may run them against the same Redis; BullMQ hands each job to one.
 */
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Runtime } from '../runtime.js';
import type { Notifier } from './notifier.js';
import { LOCK_MS, MAX_STALLED, PREFIX, QUEUE, STALLED_CHECK_MS, type Jobs } from './jobs.js';
import { processMigration, type MigrationJobData } from './migration.js';
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
  const workers = [migrate];
  for (const w of workers) w.on('error', (err) => log.error({ err }, 'worker error'));
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const c of connections) c.disconnect();
    },
  };
}
