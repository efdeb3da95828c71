/** Redis connections: one that fails fast for requests, and blocking ones for workers. */
import type { Redis } from 'ioredis';

/**
 * The connection for requests (dedupe, audit, locks, approvals, queueing): while
 * Redis is away a command fails at once with a clear answer instead of waiting in
 * a queue and running minutes later. Workers block on connections of their own
 * (`blockingConnection`), which wait for Redis to come back.
 */
export async function connectRedis(url: string): Promise<Redis> {
  // Loaded here, not at start-up: a `ferry run` that needs no Redis does not pay for ioredis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy: (n) => Math.min(n * 200, 2000) });
  redis.on('error', () => {}); // reported where a command fails; the connection retries on its own
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} does not answer (${(err as Error).message}); nothing was started`);
  }
  return redis;
}

/** A connection for a BullMQ worker or event reader: it blocks, and waits out a Redis restart. */
export function blockingConnection(redis: Redis): Redis {
  const c = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  c.on('error', () => {});
  return c;
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}

/** Whether an error means Redis is not there (ioredis's own wording for a closed or retrying connection). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || /enableOfflineQueue|Connection is closed|ECONNREFUSED|Reached the max retries/.test(err.message);
}
