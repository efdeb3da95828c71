import * as z from 'zod';
import { defineCommand, type Plan } from '../src/command.js';
import { report } from '../src/report.js';
import { VolumeArg } from '../src/arg-schemas.js';
import type { VolumeStopPayload } from '../src/cluster/volume-stop.js';
import { checksTable, failures } from '../src/cluster/checks.js';

export default defineCommand({
  name: 'gluster volume stop',
  usage: '/gluster volume stop VOLUME',
  summary: 'Stop a volume, naming every running instance whose disk is on it (a second person approves)',
  examples: ['/gluster volume stop vm-instances'],
  positionals: ['volume'],
  args: z.object({ volume: VolumeArg }),
  role: 'operator',
  approval: true,
  plan: async (ctx): Promise<Plan<VolumeStopPayload>> => {
    const { args, cluster } = ctx;
    const { checkVolumeStop, instancesTable, stopCommand, stopWarning } = await import('../src/cluster/volume-stop.js');
    const c = await checkVolumeStop(cluster, args.volume);
    if (!c.payload) {
      return { report: report({ title: `Not stopping volume ${args.volume}`, verdict: 'FAIL', reasons: failures(c.checks), tables: [checksTable(c.checks)], notes: ['Nothing was run.'] }) };
    }
    const risky = c.instances.length > 0 || c.unknown.length > 0;
    const shown = report({
      title: `Stop volume ${args.volume}?`,
      verdict: risky ? 'WARN' : 'INFO',
      reasons: [stopWarning(args.volume, c.instances), ...c.unknown.map((u) => `could not check ${u}`), `runs ${stopCommand(c.payload)}`],
      tables: [instancesTable(args.volume, c.instances), checksTable(c.checks)],
      notes: c.instances.length ? ['Their disks become unreachable while the volume is stopped: migrate or shut them down first, or accept that.'] : [],
    });
    return { line: `/gluster volume stop ${args.volume}`, shown, payload: c.payload };
  },
  execute: async (...a) => (await import('../src/jobs/gluster-volume-executors.js')).executeVolumeStop(...a),
});
