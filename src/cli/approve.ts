/**
 * `ferry approve ID [--reject]`: the Approve / Reject buttons, from a terminal.
 * The approver is the OS user's Slack id from ferry.yml's cli.users (`--as` may
 * only repeat it); the audit names both, `cli:alice as U0ALICE`.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile } from '../config.js';
import { createLogger } from '../log.js';
import { createRuntime } from '../runtime.js';
import { roleOf } from '../policy.js';
import type { Audit } from '../audit.js';
import { createNotifier } from '../jobs/notifier.js';
import { handleApproval } from '../jobs/approval-actions.js';
import { executors } from '../../commands/index.js';
import { report } from '../report.js';
import { renderTerminal } from './render-terminal.js';
import { asProblem, terminalIdentity, type TerminalIdentity } from './identity.js';

export async function approveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { as: { type: 'string' }, reject: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true });
  const [id] = positionals;
  if (!id) {
    console.error('usage: ferry approve ID [--reject] [--as SLACK_USER_ID] [--config FILE]');
    return 2;
  }
  const config = loadConfigFile(process.env, values.config);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination(2));
  const base = await createRuntime(config, log, { redis: true });
  const rt = { ...base, redis: base.redis!, jobs: base.jobs! };
  const decision = values.reject ? 'reject' : 'approve';
  const print = (r: Parameters<typeof renderTerminal>[0]) => process.stdout.write(`${renderTerminal(r, { color: process.stdout.isTTY ?? false })}\n`);
  try {
    const who = terminalIdentity(config);
    const problem = asProblem(who, values.as) ?? (who.slackId ? undefined : `OS user ${who.osUser} has no Slack id in ferry.yml's cli.users; deciding an approval needs one (break-glass does not approve)`);
    if (problem || !who.slackId) {
      await rt.audit.record({ user: who.auditName, channel: 'cli', command: 'approval', line: `ferry approve ${argv.join(' ')}`, outcome: 'refused', detail: `${decision}: ${problem}` });
      print(report({ title: `Not ${decision === 'approve' ? 'approved' : 'rejected'}`, verdict: 'FAIL', reasons: [problem!] }));
      return 1;
    }
    const r = await handleApproval({ rt, notifier: createNotifier(config, log), audit: namedAudit(rt.audit, who) }, executors, {
      approvalId: id,
      decision,
      userId: who.slackId,
      role: roleOf(config, who.slackId),
      channel: 'cli',
    });
    print(r);
    return r.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await rt.close();
  }
}

/** The audit, with this terminal's entries naming the OS user too (`cli:alice as U0ALICE`); others' entries as they are. */
function namedAudit(audit: Audit, who: TerminalIdentity): Audit {
  return { record: (e) => audit.record(e.user === who.slackId ? { ...e, user: who.auditName } : e), recent: (n) => audit.recent(n) };
}
