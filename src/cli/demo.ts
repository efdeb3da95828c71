/**
 * `ferry demo`: a lab, a redis-server and ferry in one go, on 127.0.0.1 only,
 * walking through the main commands as two on-call engineers would, printed as
 * the terminal renderer shows them. `--interactive` leaves you at a prompt.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startLab, LAB_USERS, type Lab } from '../lab/lab.js';
import { startRedis } from '../lab/redis-server.js';
import { loadConfigFile } from '../config.js';
import { createRuntime } from '../runtime.js';
import { dispatch } from '../dispatch.js';
import { roleOf } from '../policy.js';
import { createNotifier } from '../jobs/notifier.js';
import { startWorkers } from '../jobs/workers.js';
import { handleApproval } from '../jobs/approval-actions.js';
import { confirmDialog } from '../slack/confirm-dialog.js';
import { executors } from '../../commands/index.js';
import { commands } from '../../commands/index.js';
import type { Report } from '../report.js';
import { renderTerminal } from './render-terminal.js';
import { waitForJob } from './wait-job.js';

const ALICE = LAB_USERS.operator;
const BOB = LAB_USERS.approver;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { interactive: { type: 'boolean' }, computes: { type: 'string' }, instances: { type: 'string' } } });
  const color = process.stdout.isTTY ?? false;
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-demo-'));
  const say = (text: string) => process.stdout.write(`${color ? `\x1b[1m${text}\x1b[0m` : text}\n`);
  say(`Starting a lab (control + ${values.computes ?? 3} computes behind SSH on 127.0.0.1) and a redis-server…`);
  const [lab, redis] = await Promise.all([
    startLab({ dir, computes: Number(values.computes ?? 3), instances: Number(values.instances ?? 4), migrateSeconds: 2 }),
    startRedis(),
  ]);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' }, pino.destination(2));
  const config = loadConfigFile({ FERRY_CONFIG: lab.configPath, REDIS_URL: redis.url });
  const base = await createRuntime({ ...config, policy: { ...config.policy, migration: { ...config.policy.migration, pollIntervalMs: 500 } } }, log, { redis: true });
  const rt = { ...base, redis: base.redis!, jobs: base.jobs! };
  const notifier = createNotifier(config, log);
  const workers = startWorkers(rt, notifier);
  const show = (r: Report) => process.stdout.write(`${renderTerminal(r, { color })}\n`);

  /** One slash line as `user`, followed to the end when it queues a job. */
  async function run(line: string, user: string): Promise<Report> {
    say(`\n<${user}> ${line}`);
    const { report } = await dispatch({ line, userId: user, channel: 'cli' }, { commands, config: rt.config, cluster: rt.cluster, jobs: rt.jobs, audit: rt.audit, log, resolveRole: async (id) => roleOf(config, id) });
    show(report);
    return report.job ? follow(report.job.queue, report.job.id) : report;
  }
  async function follow(queue: NonNullable<Report['job']>['queue'], id: string): Promise<Report> {
    const end = await waitForJob(rt.jobs, queue, id, (p) => process.stdout.write(`  … ${p.reasons[0] ?? p.title}\n`));
    show(end);
    return end;
  }
  async function approve(r: Report, user: string): Promise<Report> {
    if (!r.approval) return r;
    say(`\n<${user}> [Approve] ${r.approval.id}${r.approval.confirm ? ` — Slack asks first: "${confirmDialog(r.approval.confirm).text.text}"` : ''}`);
    const answer = await handleApproval({ rt, notifier, audit: rt.audit }, executors, { approvalId: r.approval.id, decision: 'approve', userId: user, role: roleOf(config, user), channel: 'cli' });
    show(answer);
    return answer.job ? follow(answer.job.queue, answer.job.id) : answer;
  }

  try {
    if (values.interactive) await prompt(lab, run, approve);
    else await walkThrough(lab, run, approve, say);
    return 0;
  } finally {
    await workers.close();
    await rt.close();
    await Promise.allSettled([lab.stop(), redis.stop()]);
    await rm(dir, { recursive: true, force: true });
    say('\nLab and redis-server stopped.');
  }
}

type Run = (line: string, user: string) => Promise<Report>;
type Approve = (r: Report, user: string) => Promise<Report>;

async function walkThrough(lab: Lab, run: Run, approve: Approve, say: (t: string) => void) {
  say(`Two on-call engineers: ${ALICE} (operator) and ${BOB} (approver).`);
  await run('/gluster status', ALICE);
  await run('/nova show cirros1', ALICE);
  await run('/nova hypervisors', ALICE);
  await run('/migrate help', ALICE);
  await run('/migrate cirros1 compute02 --dry-run', ALICE);
  const moved = await run('/migrate cirros1 compute02', ALICE);
  if (moved.jobId) await run(`/migrate status ${moved.jobId}`, BOB);
  say('\n[lab] someone live-migrates cirros2 by hand; it should stay where it is.');
  await lab.model.run('control', '. /root/openrc && nova live-migration cirros2 compute03');
  await run('/migrate abort cirros2', ALICE);
  await run('/migrate abort cirros2', ALICE);
  say('\n[lab] compute02 loses its brick process; a file is written meanwhile.');
  await lab.fault('compute02', 'brick-down');
  await lab.model.run('compute01', `touch /var/lib/nova/instances/written-while-brick-down`);
  await run('/gluster status', ALICE);
  say('\n[lab] the brick comes back and heals.');
  await lab.fault('compute02', 'brick-up');
  await new Promise((r) => setTimeout(r, 2500));
  await run('/gluster status', ALICE);
  const plan = await run('/evacuate compute01 --reason "disk replacement"', ALICE);
  say(`\n${ALICE} tries to approve their own request:`);
  await approve(plan, ALICE);
  await approve(plan, BOB);
  await run('/nova list --host compute01', ALICE);
  await run('/ferry jobs', BOB);
  say('\n[lab] compute03 stops answering SSH: its row says so once.');
  await lab.fault('compute03', 'down');
  await run('/gluster stauts', ALICE);
  await run('/gluster status', ALICE);
}

async function prompt(lab: Lab, run: Run, approve: Approve) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let user: string = ALICE;
  let last: Report | undefined;
  console.log(`Type slash commands (/ferry help), "as USER" (${Object.values(LAB_USERS).join(', ')}), "approve", "fault NODE FAULT [ARG]", or "quit".`);
  const ask = () => {
    rl.setPrompt(`${user}> `);
    rl.prompt();
  };
  ask();
  // The async iterator keeps lines typed (or piped) while a command still runs.
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === 'quit' || line === 'exit') break;
    try {
      const [word, ...rest] = line.split(/\s+/);
      if (!line) {
        // nothing to do
      } else if (word === 'as') user = rest[0] ?? user;
      else if (word === 'approve') last = last ? await approve(last, user) : last;
      else if (word === 'fault') await lab.fault(rest[0] ?? '', rest[1] ?? '', rest.slice(2).join(' ') || undefined);
      else last = await run(line, user);
    } catch (err) {
      console.log(`error: ${(err as Error).message}`);
    }
    ask();
  }
  rl.close();
}
