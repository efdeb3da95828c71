/**
 * The last `/gluster status` verdict per volume, with when and who ran it: one
 * Redis hash (volume → JSON), for the App Home. Each new verdict announces a change.
 */
import type { Redis } from 'ioredis';
import type { Verdict } from './report.js';
import { announceChange } from './jobs/changes.js';

export interface StorageVerdict {
  volume: string;
  verdict: Verdict;
  /** The first reason of the report. */
  reason: string;
  /** ISO time of the run. */
  at: string;
  /** Who ran it (a Slack user id, or cli:NAME). */
  by: string;
}

const KEY = 'ferry:storage:last';

/** Remembers a verdict; when Redis does not answer, nothing is remembered (the command's answer is unaffected). */
export async function recordStorageVerdict(redis: Redis | undefined, v: StorageVerdict): Promise<void> {
  if (redis?.status !== 'ready') return;
  await redis.hset(KEY, v.volume, JSON.stringify(v));
  await announceChange(redis, 'storage');
}

/** The last verdict of every volume, by volume name. */
export async function storageVerdicts(redis: Redis): Promise<StorageVerdict[]> {
  const all = await redis.hgetall(KEY);
  return Object.values(all)
    .map((raw) => JSON.parse(raw) as StorageVerdict)
    .sort((a, b) => a.volume.localeCompare(b.volume));
}
