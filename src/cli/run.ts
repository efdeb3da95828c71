/** `ferry run "<slash line>"`: the same router and policy as Slack, printed for a terminal. */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { dispatch } from '../dispatch.js';
import { roleOf } from '../policy.js';
import { commands } from '../../commands/index.js';
import { renderTerminal } from './render-terminal.js';
import { renderJson } from './render-json.js';
import { waitForJob } from './wait-job.js';

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { as: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' }, redis: { type: 'boolean' }, 'no-worker': { type: 'boolean' } },
    allowPositionals: true,
  });
  const line = positionals.join(' ');
  if (!line) {
    console.error('usage: ferry run "<slash line>" [--as USER] [--json] [--config FILE] [--redis]');
    return 2;
  }
  const config = loadConfigFile(process.env, values.config);
  // Logs go to stderr so that stdout holds only the report.
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination(2));
  const rt = await createRuntime(config, log, { redis: values.redis ?? Boolean(process.env.REDIS_URL) });
  // A local user of the ferry host already holds the SSH key; without --as they act as admin.
  const color = process.stdout.isTTY ?? false;
  const userId = values.as ?? `cli:${os.userInfo().username}`;
  try {
    const outcome = await dispatch(
      { line, userId, channel: 'cli' },
      {
        commands,
        config,
        cluster: rt.cluster,
        jobs: rt.jobs,
        audit: rt.audit,
        log,
        resolveRole: async (id) => (id.startsWith('cli:') ? 'admin' : roleOf(config, id)),
      },
    );
    if (outcome.report.job && rt.jobs) {
      const jobs = rt.jobs;
      // Where a ferry serve/worker already works this queue, leave the job to it; a bare `ferry run` works its own.
      const served = (await jobs.queue(outcome.report.job.queue).getWorkers()).length > 0;
      // Loaded only for a command that queued a job: the workers bring bullmq and the Slack Web API client.
      const workers = values['no-worker'] || served ? undefined : (await import('../jobs/workers.js')).startWorkers({ ...rt, jobs }, (await import('../jobs/notifier.js')).createNotifier(config, log));
      try {
        process.stdout.write(renderTerminal(outcome.report, { color }) + '\n');
        outcome.report = await waitForJob(jobs, outcome.report.job.queue, outcome.report.job.id, (r) => {
          if (!values.json) process.stdout.write(`… ${r.reasons[0] ?? r.title}\n`);
        });
      } finally {
        await workers?.close();
      }
    }
    const out = values.json ? renderJson(outcome.report) : renderTerminal(outcome.report, { color });
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    return outcome.report.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await rt.close();
  }
}
