/**
 * The shared-storage bootstrap runbook as a plan of steps. Each step names the
 * exact commands it runs and where, what it checks first, and whether it is
 * already done, so a half-built cluster resumes where it stopped and a
 * finished one has nothing to do. How each step checks and runs is in
 * bootstrap-steps.ts; the durable run is src/jobs/bootstrap.ts.
 */
import { findCompute, type Config } from '../config.js';
import { VOLUME_NAME } from '../arg-schemas.js';
import type { Cluster } from './cluster.js';
import { UsageError } from '../errors.js';
import type { Table } from '../report.js';
import { glusterArgv } from './gluster-admin.js';
import { checkStep } from './bootstrap-steps.js';
import type { BootstrapPlan, BootstrapNode, BootstrapSpec, StepState, StepCommand, StepInfo } from './bootstrap-types.js';

/** A file the final check writes through the mount on one node and reads on the others. */
export const PROBE_FILE = '.ferry-bootstrap-probe';

/**
 * The nodes to bootstrap: `--nodes` (names or fqdns, each a compute of ferry.yml)
 * or every compute. UsageError for unknown or repeated hosts, or fewer than two.
 */
export function bootstrapNodes(config: Config, hosts?: string[]): BootstrapNode[] {
  const picked = (hosts ?? config.nodes.computes.map((n) => n.name)).map((h) => {
    const n = findCompute(config, h);
    if (!n) throw new UsageError(`--nodes: ${h} is not a compute node in ferry.yml (known: ${config.nodes.computes.map((c) => c.name).join(', ')})`);
    return { name: n.name, fqdn: n.fqdn };
  });
  const dup = picked.find((n, i) => picked.findIndex((m) => m.name === n.name) !== i);
  if (dup) throw new UsageError(`--nodes: ${dup.name} is named twice`);
  if (picked.length < 2) throw new UsageError('--nodes: a replicated volume needs at least two nodes');
  return picked;
}

/** Every step of the runbook for `spec`, in the order they run. Pure: the same spec gives the same steps. */
export function bootstrapSteps(spec: BootstrapSpec): StepInfo[] {
  const { volume, brickPath, mountPoint, anchor } = spec;
  const steps: StepInfo[] = [];
  // Node by node: get it ready, then join it to the anchor's pool.
  for (const n of spec.nodes) {
    steps.push({
      id: `server:${n.name}`, kind: 'server', node: n.name, title: `${n.name}: glusterfs-server installed, glusterd running`,
      commands: [{ node: n.name, argv: ['systemctl', 'start', 'glusterd'] }],
      checks: 'dpkg-query -W glusterfs-server: installed (ferry installs no packages); systemctl is-active glusterd',
    });
    steps.push({
      id: `brick:${n.name}`, kind: 'brick', node: n.name, title: `${n.name}: brick directory ${brickPath}`,
      commands: [{ node: n.name, argv: ['mkdir', '-p', brickPath] }],
      checks: `test -d ${brickPath}`,
    });
    if (n.name !== anchor) {
      steps.push({
        id: `probe:${n.name}`, kind: 'probe', node: n.name, title: `${n.fqdn} joins the pool of ${anchor}`,
        commands: [{ node: anchor, argv: glusterArgv.probe(n.fqdn) }],
        checks: `gluster pool list on ${anchor}: ${n.fqdn} not in it yet`,
      });
    }
  }
  const bricks = spec.nodes.map((n) => ({ node: n.name, fqdn: n.fqdn, path: brickPath }));
  steps.push({
    id: 'create', kind: 'create', node: anchor, title: `volume ${volume} created, replica ${spec.nodes.length}`,
    // `force`: gluster refuses bricks on the root partition without it
    // (setup/volume-create-root-partition.stderr.txt), and the lab's bricks, like the
    // captured cluster's, are plain directories there. ferry checks itself what
    // force would also let through: one brick per node, every node connected.
    commands: [{ node: anchor, argv: glusterArgv.create(volume, spec.nodes.length, bricks, true) }],
    checks: `gluster volume info ${volume}: absent (present with exactly these bricks: done); before it runs: every node connected, every brick directory there`,
  });
  steps.push({
    id: 'start', kind: 'start', node: anchor, title: `volume ${volume} started`,
    commands: [{ node: anchor, argv: glusterArgv.start(volume) }],
    checks: `gluster volume info ${volume}: Status is not Started`,
  });
  for (const n of spec.nodes) {
    steps.push({
      id: `mount:${n.name}`, kind: 'mount', node: n.name, title: `${n.name}: ${mountPoint} mounted from localhost:${volume}`,
      commands: [{ node: n.name, argv: ['mount', '-t', 'glusterfs', `localhost:${volume}`, mountPoint] }],
      checks: `findmnt ${mountPoint}: nothing mounted; ls -A ${mountPoint}: empty (mounting over files would hide them)`,
    });
    steps.push({
      id: `chown:${n.name}`, kind: 'chown', node: n.name, title: `${n.name}: ${mountPoint} owned nova:nova`,
      commands: [{ node: n.name, argv: ['chown', 'nova:nova', mountPoint] }],
      checks: `stat -c '%U:%G %a' ${mountPoint}: not nova:nova; before it runs: mounted from localhost:${volume}`,
    });
  }
  const [first, ...others] = spec.nodes;
  const probe = `${mountPoint}/${PROBE_FILE}`;
  steps.push({
    id: 'verify', kind: 'verify', node: first!.name, title: `a file written on ${first!.name} is seen on ${others.map((o) => o.name).join(', ')}`,
    commands: [
      { node: first!.name, argv: ['touch', probe] },
      ...others.map((o) => ({ node: o.name, argv: ['cat', probe] })),
      { node: first!.name, argv: ['rm', '-f', probe] },
    ],
    checks: 'runs every time',
  });
  return steps;
}

/**
 * The steps of an approved spec, rebuilt from it at the moment they are to run.
 * The spec must still be one this ferry.yml would build (its computes and their
 * fqdns, the brick path, the mount point): a spec changed after approval, or a
 * ferry.yml changed since, runs nothing. Throws UsageError saying what differs.
 */
export function approvedSteps(config: Config, spec: BootstrapSpec): StepInfo[] {
  const problem = specProblem(config, spec);
  if (problem) throw new UsageError(`the approved plan is not one this ferry.yml would build (${problem}); nothing was run. Ask again: /gluster bootstrap`);
  return bootstrapSteps(spec);
}

function specProblem(config: Config, spec: BootstrapSpec): string | undefined {
  if (!VOLUME_NAME.test(spec.volume)) return `volume ${JSON.stringify(spec.volume)}`;
  if (spec.brickPath !== config.gluster.brickPath) return `brick path ${spec.brickPath}, ferry.yml has ${config.gluster.brickPath}`;
  if (spec.mountPoint !== config.gluster.mountPoint) return `mount point ${spec.mountPoint}, ferry.yml has ${config.gluster.mountPoint}`;
  let nodes: BootstrapNode[];
  try {
    nodes = bootstrapNodes(config, spec.nodes.map((n) => n.name));
  } catch (err) {
    return (err as Error).message;
  }
  const moved = spec.nodes.find((n, i) => n.fqdn !== nodes[i]!.fqdn);
  if (moved) return `${moved.name} as ${moved.fqdn}, ferry.yml has ${findCompute(config, moved.name)?.fqdn}`;
  if (!nodes.some((n) => n.name === spec.anchor)) return `anchor ${spec.anchor} is not one of the nodes`;
  return undefined;
}

/** Checks every step against the cluster as it is now (read-only). */
export async function surveyBootstrap(cluster: Cluster, spec: BootstrapSpec): Promise<BootstrapPlan> {
  const steps = bootstrapSteps(spec);
  const checks = await Promise.all(steps.map((s) => checkStep(cluster, spec, s)));
  return { spec, steps: steps.map((s, i) => ({ ...s, ...checks[i]! })) };
}

/** Steps that stop the plan from being run as it is. */
export const blockers = (plan: BootstrapPlan) => plan.steps.filter((s) => s.status === 'refused' || s.status === 'unknown');

/** Steps that would change something. */
export const pending = (plan: BootstrapPlan) => plan.steps.filter((s) => s.status === 'todo');

/** A command as a person would type it (for tables; never run from this text). */
export function commandText(c: StepCommand): string {
  return c.argv.map((a) => (/^[A-Za-z0-9_@%+:,./=-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** The plan as a table: one row per step, with its commands, checks and state. */
export function planTable(steps: (StepInfo & { state: string })[]): Table {
  return {
    title: 'Steps',
    columns: ['#', 'Step', 'Runs', 'Checks first', 'State'],
    rows: steps.map((s, i) => [String(i + 1), s.title, s.commands.map((c) => `${c.node}: ${commandText(c)}`).join('; '), s.checks, s.state]),
  };
}

/** A planned step's state as the plan shows it. */
export function stateText(s: StepState): string {
  const label = { done: 'already done', todo: 'to do', check: 'check', refused: 'REFUSED', unknown: 'UNKNOWN' }[s.status];
  return s.detail ? `${label}: ${s.detail}` : label;
}
