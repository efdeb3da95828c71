/**
 * Slack redeliveries (the same trigger_id again) must run nothing twice. The
 * keys live in Redis, so that any ferry process sees them, and in this
 * process's memory, so that a redelivery is still recognised while Redis is
 * unreachable (or came back between two deliveries) and a read command answers.
 */
import type { Redis } from 'ioredis';
import { isRedisUnavailable } from './redis.js';

export const SEEN_TTL_SECONDS = 3600;

/** Whether a delivery key is new: true the first time, false for every redelivery. */
export type FirstDelivery = (key: string) => Promise<boolean>;

export function redeliveries(redis: Redis | undefined, now: () => number = Date.now): FirstDelivery {
  // Insertion order is time order, so expired keys are at the front.
  const seen = new Map<string, number>();
  return async (key) => {
    const t = now();
    for (const [k, at] of seen) {
      if (t - at < SEEN_TTL_SECONDS * 1000) break;
      seen.delete(k);
    }
    if (seen.has(key)) return false;
    seen.set(key, t);
    if (!redis || redis.status !== 'ready') return true;
    try {
      return (await redis.set(`ferry:seen:${key}`, '1', 'EX', SEEN_TTL_SECONDS, 'NX')) === 'OK';
    } catch (err) {
      if (isRedisUnavailable(err)) return true;
      throw err;
    }
  };
}
