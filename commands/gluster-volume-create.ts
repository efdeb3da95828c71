import * as z from 'zod';
import { defineCommand, type Plan } from '../src/command.js';
import { report } from '../src/report.js';
import { Brick, VolumeArg } from '../src/arg-schemas.js';
import type { VolumeCreatePayload } from '../src/cluster/volume-create.js';
import { checksTable, failures } from '../src/cluster/checks.js';

export default defineCommand({
  name: 'gluster volume create',
  usage: '/gluster volume create VOLUME replica N HOST:/BRICK... [--force]',
  summary: 'Create a replicated volume (checked first; a second person approves)',
  examples: [
    '/gluster volume create vm-scratch replica 3 compute01:/gluster/scratch compute02:/gluster/scratch compute03:/gluster/scratch',
    '/gluster volume create vm-scratch replica 3 compute01.stack:/gluster/scratch compute02.stack:/gluster/scratch compute03.stack:/gluster/scratch --force',
  ],
  positionals: ['volume', 'keyword', 'replica', 'bricks...'],
  flags: { force: { type: 'boolean' } },
  args: z
    .object({
      volume: VolumeArg,
      keyword: z.literal('replica', { error: 'expected the word "replica" after the volume name' }),
      replica: z.coerce.number().int().min(2, { error: 'replica: expected a whole number >= 2' }).max(16),
      bricks: z.array(Brick).min(2, { error: 'expected at least two bricks HOST:/PATH' }),
      force: z.boolean().default(false),
    })
    .refine((a) => a.bricks.length % a.replica === 0, { error: 'the number of bricks must be a multiple of the replica count', path: ['bricks'] }),
  role: 'operator',
  approval: true,
  plan: async (ctx): Promise<Plan<VolumeCreatePayload>> => {
    const { args, cluster } = ctx;
    const { checkVolumeCreate, createCommand } = await import('../src/cluster/volume-create.js');
    const { checks, payload } = await checkVolumeCreate(cluster, args);
    if (!payload) {
      return { report: report({ title: `Not creating volume ${args.volume}`, verdict: 'FAIL', reasons: failures(checks), tables: [checksTable(checks)], notes: ['Nothing was run.'] }) };
    }
    const shown = report({
      title: `Create volume ${args.volume}, replica ${args.replica}?`,
      verdict: 'INFO',
      reasons: ['every check passed', `runs ${createCommand(payload)}`],
      tables: [checksTable(checks)],
      notes: payload.force ? ['force: gluster will not refuse bricks on the root partition.'] : [],
    });
    const line = `/gluster volume create ${args.volume} replica ${args.replica} ${args.bricks.map((b) => `${b.host}:${b.path}`).join(' ')}${args.force ? ' --force' : ''}`;
    return { line, shown, payload };
  },
  execute: async (...a) => (await import('../src/jobs/gluster-volume-executors.js')).executeVolumeCreate(...a),
});
