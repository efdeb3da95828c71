/**
 * Builds the objects one ferry process needs, in one place: SSH pool, cluster
 * operations, audit, and (when Redis is wanted) the Redis connection and jobs.
 */
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createSsh } from './ssh/client.js';
import { createCluster, type Cluster } from './cluster/cluster.js';
import { logAudit, redisAudit, type Audit } from './audit.js';
import { createJobs, type Jobs } from './jobs/jobs.js';
import type { Ssh } from './ssh/types.js';

export interface Runtime {
  config: Config;
  log: Logger;
  ssh: Ssh;
  cluster: Cluster;
  audit: Audit;
  redis?: Redis;
  jobs?: Jobs;
  close(): Promise<void>;
}

/**
 * Connects to Redis first when asked, so that a Redis that does not answer is a
 * clear error before anything else happens.
 */
export async function createRuntime(config: Config, log: Logger, opts: { redis: boolean }): Promise<Runtime> {
  let redis: Redis | undefined;
  if (opts.redis) redis = await connectRedis(config.redis.url);
  const ssh = createSsh(config, log.child({ component: 'ssh' }));
  const cluster = createCluster(ssh, config);
  const audit = redis ? redisAudit(redis, log) : logAudit(log);
  const jobs: Jobs | undefined = redis ? createJobs(redis) : undefined;
  return {
    config,
    log,
    ssh,
    cluster,
    audit,
    redis,
    jobs,
    async close() {
      await ssh.close();
      await jobs?.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}

/** A Redis connection that fails fast and clearly instead of retrying forever at start. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, connectTimeout: 3000, retryStrategy: (n) => Math.min(n * 200, 2000) });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${redactUrl(url)} does not answer (${(err as Error).message}); nothing was started`);
  }
  return redis;
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}
