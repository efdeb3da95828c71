import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { HostArg, InstanceRef } from '../src/arg-schemas.js';
import type { MigrationPreflight } from '../src/cluster/preflight.js';
import { checksTable, checksVerdict } from '../src/cluster/checks.js';
import { requireDesk } from '../src/jobs/job-desk.js';
import { user as mentionUser } from '../src/mention.js';

/** The preflight as a table: one row per check. */
export const preflightTable = (pf: MigrationPreflight) => checksTable(pf.checks, 'Preflight');

const verdictOf = (pf: MigrationPreflight) => checksVerdict(pf.checks);

export default defineCommand({
  name: 'migrate',
  usage: '/migrate <instance> <target-host> [--dry-run] [--force]',
  summary: 'Live-migrate one instance after preflight checks',
  examples: ['/migrate cirros1 compute02', '/migrate cirros1 compute02 --dry-run', '/migrate 2991ad7d-b33e-4d3c-828b-da07338119f1 compute03 --force'],
  positionals: ['instance', 'target'],
  flags: { 'dry-run': { type: 'boolean' }, force: { type: 'boolean', role: 'admin' } },
  args: z.object({ instance: InstanceRef, target: HostArg, dryRun: z.boolean().default(false), force: z.boolean().default(false) }),
  role: 'operator',
  run: async ({ args, cluster, jobs: ctxJobs, user, progress, requestId, config }): Promise<Report> => {
    const { preflightMigration } = await import('../src/cluster/preflight.js');
    const pf = await preflightMigration(cluster, args.instance, args.target, { newestMigration: !args.dryRun });
    const failing = pf.checks.filter((c) => c.verdict === 'FAIL');
    const title = `${args.instance} → ${args.target}`;
    if (args.dryRun) {
      // The worst verdict's rows are the reasons: a WARN run must not claim that every check passed.
      const worst = failing.length ? failing : pf.checks.filter((c) => c.verdict === 'WARN');
      const reasons = worst.length ? [...worst.map((c) => `${c.check}: ${c.detail}`), 'nothing was started'] : ['every check passed; nothing was started'];
      return report({ title: `Preflight (dry run): ${title}`, verdict: verdictOf(pf), reasons, tables: [preflightTable(pf)] });
    }
    // The dispatcher has refused --force to anyone below admin (its role is on the flag).
    const forced = args.force;
    if (failing.length && (!forced || !pf.server || !pf.target)) {
      const notes = ['Nothing was started.'];
      if (!forced) notes.push('An admin may override with --force (audited).');
      return report({ title: `Not migrating ${title}`, verdict: 'FAIL', reasons: failing.map((c) => `${c.check}: ${c.detail}`), tables: [preflightTable(pf)], notes });
    }
    const jobs = requireDesk(ctxJobs, '/migrate needs Redis to keep track of the migration (set REDIS_URL or redis.url in ferry.yml); nothing was started');
    const { AlreadyMigrating, migrationJobId, pendingHeal } = await import('../src/jobs/migration.js');
    const server = pf.server!;
    const target = pf.target!;
    const jobId = migrationJobId(server.id, requestId);
    const override = forced && failing.length ? `FORCED by ${mentionUser(user.id)} past: ${failing.map((c) => c.check).join(', ')}` : undefined;
    const queued = report({
      title: `Migrating ${server.name} → ${target.name}`,
      verdict: 'INFO',
      reasons: [override ?? 'preflight passed; queued'],
      tables: [preflightTable(pf)],
      jobId,
    });
    const message = await progress(queued);
    const healBefore = await pendingHeal(cluster, target.name).catch(() => null);
    try {
      await jobs.enqueueMigration(jobId, {
        instanceId: server.id,
        instanceName: server.name,
        source: server.host ?? '',
        target: target.name,
        requestedBy: user.id,
        forced: override,
        channel: user.channel,
        message,
        before: { status: server.status, taskState: server.taskState, host: server.host, powerState: server.powerState },
        healBefore,
        phase: 'queued',
        migrationIdBefore: pf.newestMigrationId,
        pollIntervalMs: config.policy.migration.pollIntervalMs,
        timeoutSeconds: config.policy.migration.timeoutSeconds,
      });
    } catch (err) {
      if (err instanceof AlreadyMigrating) return report({ title: `Not migrating ${title}`, verdict: 'FAIL', reasons: [err.message], notes: ['Nothing was started.'] });
      throw err;
    }
    return { ...queued, job: { id: jobId, queue: 'migrate' } };
  },
});
