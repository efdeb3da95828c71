/**
 * The job desk (job-desk.ts) over Redis and BullMQ: the one place that decides
 * which keys and queues each of a command's job operations touches.
 */
import type { Job } from 'bullmq';
import { recordStorageVerdict } from '../storage-verdicts.js';
import { QUEUE, type Jobs } from './jobs.js';
import { createApproval, getApproval, setApprovalMessage } from './approvals.js';
import { refuseRequest } from './approval-actions.js';
import { enqueueMigration } from './migration.js';
import { evacuationJobId, hostEvacuation, readEvacuation, requestCancel, type EvacuationJobData, type EvacuationResult } from './evacuation.js';
import { supersededKey } from './evacuation-executor.js';
import { listJobs, readJob } from './job-list.js';
import type { JobDesk } from './job-desk.js';

/** The desk over `jobs`. */
export function jobDesk(jobs: Jobs): JobDesk {
  const { redis } = jobs;
  return {
    ready: () => redis.status === 'ready',
    enqueueMigration: async (jobId, data) => void (await enqueueMigration(jobs, jobId, data)),
    migration: (id) => readJob(jobs, QUEUE.migrate, id),
    list: (limit) => listJobs(jobs, limit),
    hostEvacuation: (host) => hostEvacuation(jobs, host),
    async evacuation(id) {
      const queue = jobs.queue(QUEUE.evacuate);
      // State first: a job read before it completed would have no return value yet.
      const state = await queue.getJobState(evacuationJobId(id));
      if (state === 'unknown') return undefined;
      const job = (await queue.getJob(evacuationJobId(id))) as Job<EvacuationJobData, EvacuationResult> | undefined;
      if (!job) return undefined;
      return {
        state,
        data: job.data,
        ...(state === 'completed' ? { result: job.returnvalue } : {}),
        ...(state === 'failed' ? { failedReason: job.failedReason } : {}),
        moves: () => readEvacuation(jobs, id, job.data.plan),
      };
    },
    cancelEvacuation: (id, by) => requestCancel(jobs, id, by),
    supersededBy: (id) => redis.get(supersededKey(id)),
    approval: (id) => getApproval(redis, id),
    refuseRequest: (id, userId, role, how, notifier) => refuseRequest(redis, notifier, id, userId, role, how),
    createApproval: (req, ttl) => createApproval(redis, req, ttl),
    setApprovalMessage: (id, message) => setApprovalMessage(redis, id, message),
    recordStorageVerdict: (v) => recordStorageVerdict(redis, v),
  };
}
