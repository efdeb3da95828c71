import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { requireDesk } from '../src/jobs/job-desk.js';

/** Rows in one answer: the newest jobs; the answer says how many more there are. */
export const JOBS_SHOWN = 20;

export default defineCommand({
  name: 'ferry jobs',
  usage: '/ferry jobs',
  summary: `Running and recent migrations, evacuations and bootstraps (the newest ${JOBS_SHOWN}): who asked, who approved, state`,
  examples: ['/ferry jobs'],
  args: z.object({}),
  role: 'viewer',
  readsOnly: true,
  run: async ({ jobs: ctxJobs }) => {
    const jobs = requireDesk(ctxJobs, '/ferry jobs reads the jobs in Redis (set REDIS_URL or redis.url in ferry.yml)');
    const { entries, total } = await jobs.list(JOBS_SHOWN);
    const { isLive, jobsTable } = await import('../src/jobs/job-list.js');
    const live = entries.filter(isLive).length;
    const more = total - entries.length;
    return report({
      title: 'Jobs',
      reasons: [total === 0 ? 'no migration, evacuation or bootstrap in Redis (ended ones are kept 7 to 30 days)' : `${live} running or waiting, ${entries.length - live} ended${more > 0 ? `; ${more} older not shown` : ''}`],
      tables: entries.length ? [jobsTable(entries, Date.now())] : [],
      notes: entries.length ? ['One job: /migrate status ID · /evacuate status ID'] : [],
    });
  },
});
