/** `ferry serve`: the Slack app, plus the job workers unless --no-worker. SIGTERM stops it cleanly. */
import { parseArgs } from 'node:util';
import { loadConfigFile, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { createSlackApp, type SlackAppOptions } from '../slack/app.js';
import { createMetrics } from '../metrics.js';
import { createHealth, listenHealth } from '../health.js';

/** A serving ferry: the HTTP port (undefined in Socket Mode) and how to stop it the way SIGTERM does. */
export interface Server {
  port: number | undefined;
  stop(): Promise<void>;
}

/**
 * Builds and starts what `ferry serve` runs: the Slack app, whose command thread runs
 * createFerry and the workers unless `worker: false`, and in Socket Mode
 * the health port. The test harness starts ferry in-process through this too.
 */
export async function startServer(
  config: Config,
  log: Logger,
  opts: { host?: string; port?: number; worker?: boolean } & Pick<SlackAppOptions, 'tokenRetry' | 'commandThreadEntry' | 'stopWaitMs'> = {},
): Promise<Server> {
  const metrics = createMetrics();
  const health = createHealth(metrics);
  // createFerry (SSH, Redis, jobs) and the workers run in the app's command thread, so this thread only acks.
  const slack = createSlackApp({ config, log, metrics, health, host: opts.host, port: opts.port, tokenRetry: opts.tokenRetry, commandThreadEntry: opts.commandThreadEntry, stopWaitMs: opts.stopWaitMs, jobWorkers: opts.worker !== false });
  const port = await slack.start();
  // In HTTP mode the Slack endpoint answers /healthz, /readyz and /metrics; Socket Mode listens nowhere, so they get a local port.
  const healthServer = port === undefined ? await listenHealth(health, config.env.FERRY_HEALTH_HOST, config.env.FERRY_HEALTH_PORT) : undefined;
  if (healthServer) console.log(`ferry health on http://${config.env.FERRY_HEALTH_HOST}:${healthServer.port}`);
  log.info({ port, socketMode: port === undefined, healthPort: healthServer?.port }, 'ferry is serving');
  return {
    port,
    async stop() {
      log.info('stopping: finishing commands in flight');
      await slack.stop();
      await healthServer?.close();
    },
  };
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, host: { type: 'string' }, 'no-worker': { type: 'boolean' } } });
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(config.env.LOG_LEVEL);
  const server = await startServer(config, log, { host: values.host ?? process.env.HOST, worker: !values['no-worker'] });
  // Tests and scripts wait for this line on stdout.
  console.log(server.port === undefined ? 'ferry serving (Socket Mode)' : `ferry serving on port ${server.port}`);
  await new Promise<void>((resolve) => {
    const stop = async () => {
      await server.stop();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
