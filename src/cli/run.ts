/** `ferry run "<slash line>"`: the same router and policy as Slack, printed for a terminal or as JSON. */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigMissingError, FileSchema, loadConfigFile, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { createFerry, type Ferry } from '../ferry.js';
import { unreachableLine } from '../redis.js';
import { dispatch } from '../dispatch.js';
import { roleOf } from '../policy.js';
import { route } from '../router.js';
import type { Report } from '../report.js';
import { commands } from '../../commands/index.js';
import { helpReport } from '../../commands/ferry-help.js';
import { renderTerminal } from './render-terminal.js';
import { renderJson } from './render-json.js';
import { waitForJob } from './wait-job.js';
import { asProblem, breakGlassLine, terminalIdentity } from './identity.js';

const usage = 'usage: ferry run "<slash line>" [--as YOUR_SLACK_ID] [--json | --json-lines] [--config FILE] [--redis] [--no-worker]';

const options = {
  as: { type: 'string' },
  json: { type: 'boolean' },
  'json-lines': { type: 'boolean' },
  config: { type: 'string' },
  redis: { type: 'boolean' },
  'no-worker': { type: 'boolean' },
} as const;

/** How reports reach stdout: for a person, one JSON document, or one JSON line per report (progress included). */
type Output = 'terminal' | 'json' | 'json-lines';

export async function runCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`ferry run: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const line = positionals.join(' ');
  if (!line) {
    console.error(usage);
    return 2;
  }
  const output: Output = values['json-lines'] ? 'json-lines' : values.json ? 'json' : 'terminal';
  const color = output === 'terminal' && (process.stdout.isTTY ?? false);
  const print = (r: Report) => {
    const out = output === 'terminal' ? renderTerminal(r, { color }) : renderJson(r, { oneLine: output === 'json-lines' });
    process.stdout.write(`${out}\n`);
  };

  let config: Config;
  try {
    // Help reads no SSH key (checking one loads ssh2's key parser).
    config = loadConfigFile(process.env, values.config, { checkFiles: !isHelp(line) });
  } catch (err) {
    // /ferry help needs no cluster: it is how a newcomer starts, before there is a ferry.yml.
    if (err instanceof ConfigMissingError && isHelp(line)) {
      const help = helpReport({ policy: FileSchema.shape.policy.parse(undefined) }, commands);
      print({ ...help, notes: [...help.notes, ...err.problems] });
      return 0;
    }
    // config-check (and the ssh2 it brings to read keys) only when there is an error to print.
    if ((await import('./config-check.js')).printConfigError(err)) return 2;
    throw err;
  }
  // Logs go to stderr so that stdout holds only the report.
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination(2));
  const rt = await runtimeFor(config, log, values.redis);
  if (!rt) return 1;
  // The OS user's Slack id from cli.users; without one, break-glass admin (a local user of the ferry host holds the SSH key anyway).
  const who = terminalIdentity(config);
  const forged = asProblem(who, values.as);
  if (forged) {
    await rt.audit.record({ user: who.auditName, channel: 'cli', command: 'ferry run', line, outcome: 'refused', detail: forged }).catch(() => undefined);
    await rt.close();
    console.error(`ferry run: ${forged}`);
    return 2;
  }
  const userId = who.slackId ?? `cli:${who.osUser}`;
  try {
    const outcome = await dispatch(
      { line, userId, auditAs: who.auditName, channel: 'cli' },
      rt.dispatchDeps({ resolveRole: async (id) => (who.slackId ? roleOf(config, id) : 'admin') }),
    );
    if (outcome.report.job && rt.jobs) {
      const jobs = rt.jobs;
      // Where a ferry serve/worker already works this queue, leave the job to it; a bare `ferry run` works its own.
      const served = (await jobs.queue(outcome.report.job.queue).getWorkers()).length > 0;
      // Loaded only for a command that queued a job: the workers bring bullmq (and the Slack client once a job posts).
      const workers = values['no-worker'] || served ? undefined : await rt.startWorkers();
      try {
        // With --json stdout holds the final report only; progress goes to stderr.
        if (output !== 'json') print(outcome.report);
        outcome.report = await waitForJob(jobs, outcome.report.job.queue, outcome.report.job.id, (r) => {
          if (output === 'json-lines') print(r);
          else (output === 'json' ? process.stderr : process.stdout).write(`… ${r.reasons[0] ?? r.title}\n`);
        });
      } finally {
        await workers?.close();
      }
    }
    if (!who.slackId) outcome.report = { ...outcome.report, notes: [...outcome.report.notes, breakGlassLine(who)] };
    print(outcome.report);
    return outcome.report.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await rt.close();
  }
}

/**
 * The runtime, with Redis when ferry.yml's redis.url, REDIS_URL (which overrides
 * it) or --redis names one. A Redis that does not answer stops the run only when
 * --redis asked for it; otherwise read commands go on without it, and their answer
 * says the audit entry went to the log only.
 */
async function runtimeFor(config: Config, log: Logger, demanded: boolean | undefined): Promise<Ferry | undefined> {
  const rt = await createFerry(config, log, { redis: demanded ?? config.redis.configured });
  if (demanded && !rt.redisReady()) {
    console.error(`ferry: ${unreachableLine(config.redis.url)}`);
    await rt.close();
    return undefined;
  }
  return rt;
}

function isHelp(line: string): boolean {
  try {
    return route(line, commands).command.name === 'ferry help';
  } catch {
    return false;
  }
}
