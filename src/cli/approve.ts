/** `ferry approve ID --as USER [--reject]`: the Approve / Reject buttons, from a terminal. */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { roleOf } from '../policy.js';
import { createNotifier } from '../jobs/notifier.js';
import { handleApproval } from '../jobs/approval-actions.js';
import { executors } from '../jobs/executors.js';
import { renderTerminal } from './render-terminal.js';

export async function approveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { as: { type: 'string' }, reject: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true });
  const [id] = positionals;
  if (!id || !values.as) {
    console.error('usage: ferry approve ID --as SLACK_USER_ID [--reject] [--config FILE]');
    return 2;
  }
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination(2));
  const base = await createRuntime(config, log, { redis: true });
  const rt = { ...base, redis: base.redis!, jobs: base.jobs! };
  try {
    const r = await handleApproval({ rt, notifier: createNotifier(config, log), audit: rt.audit }, executors, {
      approvalId: id,
      decision: values.reject ? 'reject' : 'approve',
      userId: values.as,
      role: roleOf(config, values.as),
      channel: 'cli',
    });
    process.stdout.write(`${renderTerminal(r, { color: process.stdout.isTTY ?? false })}\n`);
    return r.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await rt.close();
  }
}
