/** `ferry serve`: the Slack app, plus the job workers unless --no-worker. SIGTERM stops it cleanly. */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { createSlackApp } from '../slack/app.js';
import { createNotifier } from '../jobs/notifier.js';
import { startWorkers } from '../jobs/workers.js';
import { handleApproval } from '../jobs/approval-actions.js';
import { executors } from '../../commands/index.js';
import { commands } from '../../commands/index.js';
import { createMetrics } from '../metrics.js';
import { createHealth, listenHealth } from '../health.js';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, host: { type: 'string' }, 'no-worker': { type: 'boolean' } } });
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(config.env.LOG_LEVEL);
  const base = await createRuntime(config, log, { redis: true });
  const rt = { ...base, redis: base.redis!, jobs: base.jobs! };
  let notifier = createNotifier(config, log);
  const metrics = createMetrics();
  const health = createHealth(metrics);
  const slack = createSlackApp({
    config,
    runtime: rt,
    commands,
    log,
    metrics,
    health,
    host: values.host ?? process.env.HOST,
    onApproval: (args) => handleApproval({ rt, notifier, audit: rt.audit }, executors, args),
  });
  notifier = createNotifier(config, log, slack.poster);
  const workers = values['no-worker'] ? undefined : startWorkers(rt, notifier);
  const port = await slack.start();
  // In HTTP mode Bolt's server answers /healthz, /readyz and /metrics; Socket Mode listens nowhere, so they get a local port.
  const healthServer = port === undefined ? await listenHealth(health, config.env.FERRY_HEALTH_HOST, config.env.FERRY_HEALTH_PORT) : undefined;
  if (healthServer) console.log(`ferry health on http://${config.env.FERRY_HEALTH_HOST}:${healthServer.port}`);
  log.info({ port, socketMode: port === undefined, healthPort: healthServer?.port }, 'ferry is serving');
  // Tests and scripts wait for this line on stdout.
  console.log(port === undefined ? 'ferry serving (Socket Mode)' : `ferry serving on port ${port}`);
  await new Promise<void>((resolve) => {
    const stop = async () => {
      log.info('stopping: finishing commands in flight');
      await slack.stop();
      await healthServer?.close();
      await workers?.close();
      await rt.close();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
