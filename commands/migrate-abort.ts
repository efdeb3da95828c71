import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report, type Report } from '../src/report.js';
import { InstanceRef } from '../src/arg-schemas.js';

export default defineCommand({
  name: 'migrate abort',
  usage: '/migrate abort <instance>',
  summary: 'Abort the running live migration of an instance; it stays on its source host',
  examples: ['/migrate abort cirros1', '/migrate abort 2991ad7d-b33e-4d3c-828b-da07338119f1'],
  positionals: ['instance'],
  args: z.object({ instance: InstanceRef }),
  role: 'operator',
  run: async ({ args, cluster, config, progress }): Promise<Report> => {
    const { nova } = cluster;
    const { abortAndFollow, runningMigration } = await import('../src/jobs/migration-abort.js');
    const server = await nova.show(args.instance, { minimal: true });
    const running = await runningMigration(nova, server.id);
    if (!running) return report({ title: `No running migration of ${server.name} (${server.status} on ${server.host ?? 'an unknown host'}): nothing to abort` });
    await progress(
      report({ title: `Aborting the migration of ${server.name}`, reasons: [`migration ${running.id} ${running.sourceCompute ?? '?'} → ${running.destCompute ?? '?'} is ${running.status}; asking nova to abort it`] }),
    );
    return abortAndFollow(nova, server, running, { pollIntervalMs: config.policy.migration.pollIntervalMs });
  },
});
