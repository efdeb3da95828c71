/**
 * Redis locks that say who holds them: a second /migrate of an instance, or a
 * second /evacuate of a host, finds the lock and names the running job.
 */
import type { Redis } from 'ioredis';
import type { Jobs, QueueName } from './jobs.js';

/** The key of the lock on one instance (by nova id) or one host. */
export const lockKey = (kind: 'instance' | 'host', id: string) => `ferry:lock:${kind}:${id}`;

/**
 * Takes the lock for `owner`; returns null when taken, or the current owner.
 * Taking a lock one already holds succeeds (a resumed job re-takes its own).
 */
export async function acquireLock(redis: Redis, key: string, owner: string): Promise<string | null> {
  const ok = await redis.set(key, owner, 'NX');
  if (ok === 'OK') return null;
  const current = await redis.get(key);
  if (current === owner) return null;
  if (current === null) return acquireLock(redis, key, owner);
  return current;
}

const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Releases the lock only if `owner` still holds it. */
export async function releaseLock(redis: Redis, key: string, owner: string): Promise<boolean> {
  return (await redis.eval(releaseScript, 1, key, owner)) === 1;
}

/** Replaces a lock held by `staleOwner` (a job that no longer runs) with `owner`. */
export async function takeOverLock(redis: Redis, key: string, staleOwner: string, owner: string): Promise<boolean> {
  const script = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end`;
  return (await redis.eval(script, 1, key, staleOwner, owner)) === 1;
}

/**
 * Takes a lock for the BullMQ job `jobId` of `queue`. A holder whose job has
 * ended (or does not exist a moment later: it may be between taking the lock and
 * adding its job) is stale and taken over. Returns null when taken, or the live holder.
 */
export async function acquireJobLock(jobs: Jobs, queue: QueueName, key: string, jobId: string): Promise<string | null> {
  for (;;) {
    const holder = await acquireLock(jobs.redis, key, jobId);
    if (holder === null || (await jobAlive(jobs, queue, holder))) return holder;
    if (await takeOverLock(jobs.redis, key, holder, jobId)) return null;
  }
}

/** Whether a job is waiting, delayed or running (not ended, and present). */
export async function jobAlive(jobs: Jobs, queue: QueueName, jobId: string, graceMs = 1000): Promise<boolean> {
  let job = await jobs.queue(queue).getJob(jobId);
  if (!job && graceMs > 0) {
    await new Promise((r) => setTimeout(r, graceMs));
    job = await jobs.queue(queue).getJob(jobId);
  }
  const state = job ? await job.getState() : 'unknown';
  return !['completed', 'failed', 'unknown'].includes(state);
}
