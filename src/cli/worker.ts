/** `ferry worker`: runs migration and evacuation jobs only; as many as you like share one Redis. */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createFerry } from '../ferry.js';
import { redactUrl } from '../redis.js';
import { startWorkerHealth } from '../health.js';

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(config.env.LOG_LEVEL);
  const ferry = await createFerry(config, log, { redis: true });
  const workers = await ferry.startWorkers();
  const health = await startWorkerHealth(ferry);
  const stopped = new Promise<void>((resolve) => {
    const stop = async () => {
      await workers.close();
      await health.close();
      await ferry.close();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // Started without Redis, the worker waits for it and takes jobs from the moment it answers.
  if (!ferry.redisReady()) console.error(`ferry worker: Redis at ${redactUrl(config.redis.url)} is unreachable; waiting for it`);
  workers.ready().then(
    () => console.log('ferry worker ready'),
    (err: Error) => log.error({ reason: err.message }, 'workers stopped before Redis answered'),
  );
  await stopped;
  return 0;
}
