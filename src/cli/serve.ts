/** `ferry serve`: the Slack app, plus the job workers unless --no-worker. SIGTERM stops it cleanly. */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { createSlackApp } from '../slack/app.js';
import { commands } from '../../commands/index.js';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, host: { type: 'string' } } });
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(config.env.LOG_LEVEL);
  const runtime = await createRuntime(config, log, { redis: true });
  const slack = createSlackApp({ config, runtime: runtime as typeof runtime & { redis: NonNullable<typeof runtime.redis> }, commands, log, host: values.host ?? process.env.HOST });
  const port = await slack.start();
  log.info({ port, socketMode: port === undefined }, 'ferry is serving');
  // Tests and scripts wait for this line on stdout.
  console.log(port === undefined ? 'ferry serving (Socket Mode)' : `ferry serving on port ${port}`);
  await new Promise<void>((resolve) => {
    const stop = async () => {
      log.info('stopping: finishing commands in flight');
      await slack.stop();
      await runtime.close();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
