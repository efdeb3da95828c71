/**
 * Builds the objects one ferry process needs, in one place: SSH pool, cluster
 * operations, audit, and (when Redis is wanted) the Redis connection and jobs.
 */
import type { Redis } from 'ioredis';
import { openRedis } from './redis.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createSsh } from './ssh/client.js';
import { createCluster, type Cluster } from './cluster/cluster.js';
import { logAudit, redisAudit, type Audit } from './audit.js';
import { createJobs, type Jobs } from './jobs/jobs.js';
import { redeliveries, type FirstDelivery } from './redeliveries.js';
import type { Ssh } from './ssh/types.js';

export interface Runtime {
  config: Config;
  log: Logger;
  ssh: Ssh;
  cluster: Cluster;
  audit: Audit;
  redis?: Redis;
  jobs?: Jobs;
  /** Whether Redis answers right now (false while it is unreachable, and without Redis). For readiness checks. */
  redisReady(): boolean;
  /** Slack redelivery check: true the first time a key is seen (works while Redis is unreachable). */
  firstDelivery: FirstDelivery;
  close(): Promise<void>;
}

/**
 * Opens Redis when asked, without requiring it to answer: a process starts
 * not ready and recovers by itself when Redis returns (read commands answer
 * meanwhile; commands that need Redis say it is unreachable and start nothing).
 */
export async function createRuntime(config: Config, log: Logger, opts: { redis: boolean }): Promise<Runtime> {
  const redis = opts.redis ? await openRedis(config.redis.url, log.child({ component: 'redis' })) : undefined;
  const ssh = createSsh(config, log.child({ component: 'ssh' }));
  const cluster = createCluster(ssh, config);
  const audit = redis ? redisAudit(redis, log, config.redis.url) : logAudit(log);
  const jobs: Jobs | undefined = redis ? await createJobs(redis, log) : undefined;
  return {
    config,
    log,
    ssh,
    cluster,
    audit,
    redis,
    jobs,
    redisReady: () => redis?.status === 'ready',
    firstDelivery: redeliveries(redis),
    async close() {
      await ssh.close();
      await jobs?.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
