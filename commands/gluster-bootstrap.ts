import * as z from 'zod';
import { defineCommand, type Plan } from '../src/command.js';
import { report } from '../src/report.js';
import { hostList, VolumeArg } from '../src/arg-schemas.js';
import type { BootstrapPlan } from '../src/cluster/bootstrap-types.js';
import type { BootstrapPayload } from '../src/jobs/bootstrap.js';

const Nodes = hostList(2, 'HOST,HOST[,HOST...]');

const stepLine = (plan: BootstrapPlan) => (s: BootstrapPlan['steps'][number]) => `step ${plan.steps.indexOf(s) + 1} (${s.title}): ${s.detail}`;

export default defineCommand({
  name: 'gluster bootstrap',
  usage: '/gluster bootstrap [VOLUME] [--nodes HOST,HOST,...] [--dry-run]',
  summary: 'Build the shared instance storage step by step: glusterd, bricks, peers, volume, mounts (a second person approves the plan)',
  examples: ['/gluster bootstrap --dry-run', '/gluster bootstrap', '/gluster bootstrap vm-instances --nodes compute01,compute02,compute03'],
  positionals: ['volume'],
  flags: { nodes: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  args: z.object({ volume: VolumeArg.optional(), nodes: Nodes.optional(), dryRun: z.boolean().default(false) }),
  role: 'operator',
  approval: true,
  plan: async (ctx): Promise<Plan<BootstrapPayload>> => {
    const { args, cluster, config } = ctx;
    const [{ choosePoolNode }, { blockers, bootstrapNodes, pending, planTable, stateText, surveyBootstrap }] = await Promise.all([import('../src/cluster/gluster-pool.js'), import('../src/cluster/bootstrap.js')]);
    const table = (plan: BootstrapPlan) => planTable(plan.steps.map((s) => ({ ...s, state: stateText(s) })));
    const nodes = bootstrapNodes(config, args.nodes);
    const volume = args.volume ?? config.gluster.volume;
    const spec = { volume, nodes, anchor: (await choosePoolNode(cluster, nodes)).node, brickPath: config.gluster.brickPath, mountPoint: config.gluster.mountPoint };
    const plan = await surveyBootstrap(cluster, spec);
    const where = `${volume} on ${nodes.map((n) => n.name).join(', ')}`;
    const blocked = blockers(plan);
    const todo = pending(plan);
    if (blocked.length) {
      return { report: report({ title: `${args.dryRun ? 'Bootstrap plan (dry run)' : 'Not bootstrapping'}: ${where}`, verdict: 'FAIL', reasons: blocked.map(stepLine(plan)), tables: [table(plan)], notes: ['Nothing was run. Fix these, then ask again.'] }) };
    }
    if (todo.length === 0) {
      return { report: report({ title: `Nothing to do: ${where} is bootstrapped`, verdict: 'OK', reasons: [`all ${plan.steps.length - 1} steps are already done`], tables: [table(plan)], notes: ['/gluster status shows its health.'] }) };
    }
    const summary = [`${todo.length} of ${plan.steps.length} steps to run, the others already done; the final check writes a file through the mount and reads it on the other nodes`];
    if (args.dryRun) return { report: report({ title: `Bootstrap plan (dry run): ${where}`, verdict: 'INFO', reasons: [...summary, 'nothing was run'], tables: [table(plan)] }) };
    const line = `/gluster bootstrap ${volume} --nodes ${nodes.map((n) => n.name).join(',')}`;
    const shown = report({ title: `Bootstrap ${where}?`, verdict: 'INFO', reasons: summary, tables: [table(plan)], notes: ['Every step is checked again right before it runs; a step that fails stops the run.'] });
    return { line, shown, payload: { spec } };
  },
  execute: async (...a) => (await import('../src/jobs/bootstrap.js')).executeBootstrap(...a),
});
