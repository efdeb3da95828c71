import * as z from 'zod';
import { defineCommand, type Plan } from '../src/command.js';
import { report } from '../src/report.js';
import { HostArg, hostList, Reason } from '../src/arg-schemas.js';
import { findCompute } from '../src/config.js';
import type { EvacuationPlan } from '../src/cluster/evacuation-plan.js';
import { requireDesk } from '../src/jobs/job-desk.js';

const Targets = hostList(1, 'HOST[,HOST...]');

export default defineCommand({
  name: 'evacuate',
  usage: '/evacuate <host> [--to HOST[,HOST...]] [--concurrency N] [--reason TEXT] [--dry-run]',
  summary: 'Live-migrate every instance off a compute host and leave it disabled (a second person approves the plan)',
  examples: ['/evacuate compute01 --dry-run', '/evacuate compute01 --reason "disk swap"', '/evacuate compute01 --to compute02,compute03 --concurrency 2'],
  positionals: ['host'],
  flags: { to: { type: 'string' }, concurrency: { type: 'string' }, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  args: z.object({
    host: HostArg,
    to: Targets.optional(),
    concurrency: z.coerce.number().int().min(1).max(64).optional(),
    reason: Reason.optional(),
    dryRun: z.boolean().default(false),
  }),
  role: 'operator',
  approval: true,
  plan: async (ctx): Promise<Plan<EvacuationPlan>> => {
    const { args, cluster, jobs: ctxJobs, user, config } = ctx;
    const computes = config.nodes.computes.map((n) => n.name).join(', ');
    const source = findCompute(cluster.config, args.host);
    const wrong = [
      ...(source ? [] : [`${args.host} is not a compute node in ferry.yml (${computes})`]),
      ...(args.to ?? []).filter((t) => !findCompute(cluster.config, t)).map((t) => `--to ${t} is not a compute node in ferry.yml (${computes})`),
      ...(args.to ?? []).filter((t) => findCompute(cluster.config, t)?.name === source?.name).map((t) => `--to ${t} is the host being evacuated`),
    ];
    if (wrong.length) return { report: report({ title: `Not evacuating ${args.host}`, verdict: 'FAIL', reasons: wrong, notes: ['Nothing was started.'] }) };
    const host = source!.name;
    const to = args.to?.map((t) => findCompute(cluster.config, t)!.name);
    // While Redis is away a dry run still plans; a real one stops below, before anything starts.
    const running = ctxJobs?.ready() ? await ctxJobs.hostEvacuation(host) : null;
    if (running) return { report: report({ title: `Not evacuating ${host}`, verdict: 'FAIL', reasons: [`${host} is already being evacuated (${running})`], notes: [`/evacuate status ${running.replace(/^evac-/, '')}`] }) };
    const reason = args.reason ?? `evacuated by ferry for ${user.id}`;
    const [{ planEvacuation }, { planReport }] = await Promise.all([import('../src/cluster/evacuation-plan.js'), import('../src/jobs/evacuation-report.js')]);
    const plan = await planEvacuation(cluster, { host, reason, ...(to ? { targets: to } : {}), ...(args.concurrency ? { concurrency: args.concurrency } : {}) });
    if (args.dryRun) return { report: planReport(plan, { dryRun: true }) };
    if (plan.moves.length > 0 && plan.moves.every((m) => m.verdict === 'FAIL')) {
      return { report: { ...planReport(plan), title: `Not evacuating ${host}: no instance can move`, notes: ['Nothing was started and nothing was disabled. Fix what the preflight says, then ask again.'] } };
    }
    requireDesk(ctxJobs, '/evacuate needs Redis to wait for approval and run the migrations (set REDIS_URL or redis.url in ferry.yml); nothing was started');
    const line = ['/evacuate', host, ...(to ? ['--to', to.join(',')] : []), ...(args.concurrency ? ['--concurrency', String(args.concurrency)] : []), ...(args.reason ? ['--reason', JSON.stringify(args.reason)] : [])].join(' ');
    // The request's message shows the buttons now and the evacuation's progress once approved.
    return { line, shown: (request) => planReport(plan, { approval: { id: request.id, expiresAt: request.expiresAt, requestedBy: user.id } }), payload: plan };
  },
  execute: async (...a) => (await import('../src/jobs/evacuation-executor.js')).executeEvacuation(...a),
});
