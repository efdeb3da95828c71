/** Redis connections: one that fails fast for requests, and waiting ones for workers. */
import type { Redis } from 'ioredis';
import type { Logger } from './log.js';

/** Thrown before anything starts when work needs Redis and Redis does not answer. */
export class RedisUnavailable extends Error {
  constructor() {
    super('Redis is unreachable');
    this.name = 'RedisUnavailable';
  }
}

/**
 * The connection for requests (dedupe, audit, locks, approvals, queueing): while
 * Redis is away a command fails at once with a clear answer instead of waiting in
 * a queue and running minutes later. It reconnects by itself (backoff up to 2 s),
 * and says so in the log, one line when Redis goes and one when it is back.
 * Resolves after the first attempt, connected or not: `redis.status === 'ready'`
 * then tells whether Redis answers.
 */
export async function openRedis(url: string, log?: Logger): Promise<Redis> {
  // Loaded here, not at start-up: a `ferry run` that needs no Redis does not pay for ioredis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy: (n) => Math.min(n * 200, 2000) });
  const where = redactUrl(url);
  let up: boolean | undefined;
  redis.on('ready', () => {
    if (up === false) log?.info({ redis: where }, `Redis at ${where} answers again`);
    up = true;
  });
  redis.on('error', (err: Error) => {
    // Reported where a command fails; the connection retries on its own.
    if (up !== false) log?.warn({ redis: where, reason: err.message }, `Redis at ${where} is unreachable; retrying`);
    up = false;
  });
  await redis.connect().catch(() => {});
  return redis;
}

/** The one-line answer to a request that needs Redis while it is away: `reading` for one that only reads what ferry keeps there. */
export function unreachableLine(url: string, reading?: string): string {
  return reading ? `Redis at ${redactUrl(url)} is unreachable; ${reading} reads its answer from Redis: ask again once it answers` : `Redis at ${redactUrl(url)} is unreachable; nothing was started`;
}

/** A request connection that must answer now, or an error naming Redis (for one-off tools). */
export async function connectRedis(url: string, log?: Logger): Promise<Redis> {
  const redis = await openRedis(url, log);
  if (redis.status === 'ready') return redis;
  redis.disconnect();
  throw new Error(unreachableLine(url));
}

/**
 * A connection for workers, event readers and the work they do: it blocks, and
 * waits out a Redis restart (commands wait for Redis to come back).
 */
export function waitingConnection(redis: Redis): Redis {
  // Connecting at once (not lazily): BullMQ then waits for 'ready' however long Redis is away, instead of failing its start.
  const c = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
  c.on('error', () => {});
  return c;
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Whether an error a BullMQ worker, queue or event reader emits is its Redis
 * connection failing: each reconnect attempt while Redis is away emits one, and
 * the request connection already says once that Redis went (and once that it is back).
 */
export function isConnectionLoss(err: unknown): boolean {
  return isRedisUnavailable(err) || CONNECTION_CODES.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** Whether an error means Redis is not there (ours, or ioredis's own wording for a closed or retrying connection). */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailable) return true;
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || /enableOfflineQueue|Connection is closed|ECONNREFUSED|Reached the max retries/.test(err.message);
}
