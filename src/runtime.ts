/**
 * Builds the objects one ferry process needs, in one place: SSH pool, cluster
 * operations, audit, and (when Redis is wanted) the Redis connection and jobs.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from './redis.js';
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
  const jobs: Jobs | undefined = redis ? await createJobs(redis) : undefined;
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
