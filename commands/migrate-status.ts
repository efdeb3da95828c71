import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { requireDesk } from '../src/jobs/job-desk.js';
import { MigrationJobId } from '../src/arg-schemas.js';

const VERDICT = { OK: 'OK', WARN: 'WARN', FAIL: 'FAIL', unknown: 'WARN', cancelled: 'WARN', waiting: 'INFO', running: 'INFO' } as const;

export default defineCommand({
  name: 'migrate status',
  usage: '/migrate status <job-id>',
  summary: 'One migration job: what, who asked, state, started, duration, and its last report',
  examples: ['/migrate status migrate-1a2b3c4d'],
  positionals: ['id'],
  args: z.object({ id: MigrationJobId }),
  role: 'viewer',
  readsOnly: true,
  run: async ({ args, jobs: ctxJobs }): Promise<Report> => {
    const jobs = requireDesk(ctxJobs, '/migrate status reads the jobs in Redis (set REDIS_URL or redis.url in ferry.yml)');
    const short = /^[0-9a-f]{8}$/.test(args.id) ? `migrate-${args.id}` : undefined;
    const entry = (await jobs.migration(args.id)) ?? (short ? await jobs.migration(short) : undefined);
    if (!entry) return report({ title: `No migration job ${args.id} in Redis (ended ones are kept 7 days; /ferry jobs lists them)`, verdict: 'FAIL' });
    const last = entry.lastReport;
    const { jobLine } = await import('../src/jobs/job-list.js');
    return report({
      title: `Job ${entry.id}: ${entry.what}`,
      verdict: VERDICT[entry.state],
      reasons: [jobLine(entry, Date.now()), last ? `last report: ${last.title}` : 'no report yet: waiting for a worker', ...(last?.reasons ?? [])],
      tables: last?.tables ?? [],
      notes: last?.notes ?? [],
      jobId: entry.id,
    });
  },
});
