/**
 * How each bootstrap step checks the cluster and runs its commands. A check is
 * read-only and says done / todo / refused; a run checks its preconditions
 * again right before acting, runs the step's commands exactly as planned, and
 * then checks that the step is now done.
 */
import { sshOf, type Cluster } from './cluster.js';
import type { BootstrapSpec, StepState, StepCommand, StepInfo } from './bootstrap-types.js';
import { ClusterError, NotFoundError } from '../errors.js';
import type { ExecResult } from '../ssh/types.js';
import { findPeer } from './volume-checks.js';
import { isTransportError, why } from './storage-health.js';
import { judgeMountSource, poolHostNames } from './mount-source.js';

/** A step could not be done; the message says why, in the words of the command that refused. */
export class StepFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailed';
  }
}

const done = (detail: string): StepState => ({ status: 'done', detail });
const todo = (detail: string): StepState => ({ status: 'todo', detail });
const refused = (detail: string): StepState => ({ status: 'refused', detail });

/** Checks one step (read-only). Never throws: a node that does not answer is `unknown`. */
export async function checkStep(cluster: Cluster, spec: BootstrapSpec, step: StepInfo): Promise<StepState> {
  try {
    return await CHECKS[step.kind](cluster, spec, step);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    // glusterd on the anchor is started by an earlier step; until then gluster cannot say.
    if (e instanceof ClusterError && e.kind === 'glusterd-down' && step.kind !== 'server') return todo(`cannot tell yet: ${e.host ?? 'the node'}: glusterd is not running`);
    return { status: 'unknown', detail: isTransportError(e) ? why(e) : e.message };
  }
}

type StepProbe = (cluster: Cluster, spec: BootstrapSpec, step: StepInfo) => Promise<StepState>;

const CHECKS: Record<StepInfo['kind'], StepProbe> = {
  async server(cluster, _spec, step) {
    const pkg = await exec(cluster, { node: step.node, argv: ['dpkg-query', '-W', '-f', '${Status}\t${Version}\n', 'glusterfs-server'] });
    const [status = '', version = ''] = pkg.stdout.trim().split('\t');
    if (pkg.exitCode !== 0 || !/install ok installed/.test(status)) {
      return refused(`glusterfs-server is not installed on ${step.node} (${firstLine(pkg.stderr || pkg.stdout) || status}): install it (apt-get install glusterfs-server), then run this again`);
    }
    const state = await cluster.admin.glusterdState(step.node);
    return state === 'active' ? done(`glusterfs-server ${version}, glusterd active`) : todo(`glusterd is ${state}`);
  },

  async brick(cluster, spec, step) {
    const r = await exec(cluster, { node: step.node, argv: ['test', '-d', spec.brickPath] });
    if (r.exitCode === 0) return done(`${spec.brickPath} exists`);
    if (r.exitCode === 1) return todo(`${spec.brickPath} missing`);
    throw failed(r);
  },

  async probe(cluster, spec, step) {
    const fqdn = fqdnOf(spec, step.node);
    const peer = findPeer(await cluster.gluster.pool(spec.anchor), fqdn, step.node);
    if (!peer) return todo(`${fqdn} is not in the pool of ${spec.anchor}`);
    return done(peer.connected ? 'in the pool, connected' : 'in the pool, disconnected now');
  },

  async create(cluster, spec) {
    const wanted = spec.nodes.map((n) => `${n.fqdn}:${spec.brickPath}`);
    try {
      const info = await cluster.gluster.volumeInfo(spec.anchor, spec.volume);
      const have = info.bricks.map((b) => b.name);
      if (have.join(' ') === wanted.join(' ') && info.replicaCount === wanted.length) return done(`${info.type}, ${info.status}`);
      return refused(`volume ${spec.volume} exists with other bricks (${have.join(', ')}, replica ${info.replicaCount ?? '-'}): not the planned ${wanted.join(', ')}`);
    } catch (err) {
      if (err instanceof NotFoundError) return todo(`no volume ${spec.volume} yet`);
      throw err;
    }
  },

  async start(cluster, spec) {
    try {
      const info = await cluster.gluster.volumeInfo(spec.anchor, spec.volume);
      return info.started ? done('Started') : todo(`Status: ${info.status}`);
    } catch (err) {
      if (err instanceof NotFoundError) return todo('after it is created');
      throw err;
    }
  },

  async mount(cluster, spec, step) {
    const m = await cluster.gluster.mount(step.node);
    if (m.mounted) {
      if (m.fstype === 'fuse.glusterfs' && mountsVolume(spec, m.source)) return done(`${m.fstype} from ${m.source}`);
      return refused(`${spec.mountPoint} is already mounted from ${m.source} (${m.fstype}); unmount it first if it is not in use`);
    }
    if (!m.exists) return refused(`${spec.mountPoint} does not exist on ${step.node} (is nova-compute installed?)`);
    const ls = await exec(cluster, { node: step.node, argv: ['ls', '-A', spec.mountPoint] });
    if (ls.exitCode !== 0) throw failed(ls);
    const entries = ls.stdout.split('\n').filter(Boolean);
    if (entries.length > 0) {
      const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … ${entries.length - 5} more` : '');
      return refused(`${spec.mountPoint} on ${step.node} is not empty (${shown}): mounting over it would hide those files, instance disks perhaps; move them away first`);
    }
    return todo('not mounted, directory empty');
  },

  async chown(cluster, _spec, step) {
    const m = await cluster.gluster.mount(step.node);
    const owner = `${m.owner}:${m.group}`;
    return owner === 'nova:nova' ? done('nova:nova') : todo(`owned ${owner}`);
  },

  async verify() {
    return { status: 'check', detail: 'writes a file through the mount and reads it on the other nodes' };
  },
};

/**
 * Runs one step: re-checks it (a done step runs nothing), checks what must hold
 * right before it acts, runs its commands, and checks it is done. Throws
 * StepFailed (or a transport error) naming the reason.
 */
export async function runStep(cluster: Cluster, spec: BootstrapSpec, step: StepInfo): Promise<'already' | 'ran'> {
  const before = await checkStep(cluster, spec, step);
  if (before.status === 'done') return 'already';
  if (before.status === 'refused' || before.status === 'unknown') throw new StepFailed(before.detail);
  await PRECONDITIONS[step.kind]?.(cluster, spec, step);
  if (step.kind === 'verify') {
    await verify(cluster, step);
    return 'ran';
  }
  if (step.kind === 'probe' || step.kind === 'create' || step.kind === 'start') await runGluster(cluster, spec, step);
  else for (const c of step.commands) await runCommand(cluster, c);
  const after = await settle(() => checkStep(cluster, spec, step), step.kind === 'probe' ? 10 : 1);
  if (after.status !== 'done') throw new StepFailed(`ran ${step.commands.map((c) => c.argv.join(' ')).join('; ')}, but the check still says: ${after.detail}`);
  return 'ran';
}

type Precondition = (cluster: Cluster, spec: BootstrapSpec, step: StepInfo) => Promise<void>;

const PRECONDITIONS: Partial<Record<StepInfo['kind'], Precondition>> = {
  // `force` lets gluster take bricks without its own checks: make sure of what matters here.
  async create(cluster, spec) {
    const pool = await cluster.gluster.pool(spec.anchor);
    for (const n of spec.nodes) {
      if (n.name === spec.anchor) continue;
      const peer = findPeer(pool, n.fqdn, n.name);
      if (!peer) throw new StepFailed(`${n.fqdn} is not in the pool of ${spec.anchor}`);
      if (!peer.connected) throw new StepFailed(`${n.fqdn} is in the pool but disconnected (is glusterd running there?)`);
    }
    for (const n of spec.nodes) {
      const r = await exec(cluster, { node: n.name, argv: ['test', '-d', spec.brickPath] });
      if (r.exitCode !== 0) throw new StepFailed(`brick directory ${spec.brickPath} is missing on ${n.name}`);
    }
  },
  async chown(cluster, spec, step) {
    const m = await cluster.gluster.mount(step.node);
    if (!m.mounted || !mountsVolume(spec, m.source)) {
      throw new StepFailed(`${spec.mountPoint} is not mounted from localhost:${spec.volume} on ${step.node}; a chown now would change the directory underneath`);
    }
  },
};

/** The mount source names the volume being built, served by one of its nodes. */
function mountsVolume(spec: BootstrapSpec, source: string | null): boolean {
  return judgeMountSource(source, { volume: spec.volume, poolHosts: poolHostNames(spec.nodes) }).ok;
}

/** The gluster steps go through GlusterAdmin, which validates and reads the answer; the argv is the planned one. */
async function runGluster(cluster: Cluster, spec: BootstrapSpec, step: StepInfo): Promise<void> {
  const admin = cluster.admin;
  const bricks = spec.nodes.map((n) => ({ node: n.name, fqdn: n.fqdn, path: spec.brickPath }));
  const answer =
    step.kind === 'probe' ? await admin.probe(spec.anchor, fqdnOf(spec, step.node))
    : step.kind === 'create' ? await admin.createVolume(spec.anchor, spec.volume, spec.nodes.length, bricks, true)
    : await admin.startVolume(spec.anchor, spec.volume);
  if (!answer.ok) throw new StepFailed(`${answer.node}: ${answer.text}`);
}

/** Runs one planned command; a non-zero exit is a StepFailed with the command's own words. */
async function runCommand(cluster: Cluster, c: StepCommand): Promise<void> {
  const r = await exec(cluster, c);
  if (r.exitCode !== 0) throw failed(r);
}

/** The final check: touch on the first node, read on every other one, remove. */
async function verify(cluster: Cluster, step: StepInfo): Promise<void> {
  const [write, ...rest] = step.commands;
  const remove = rest.pop()!;
  await runCommand(cluster, write!);
  try {
    for (const read of rest) {
      const r = await exec(cluster, read);
      if (r.exitCode !== 0) throw new StepFailed(`the file written on ${write!.node} is not seen on ${read.node}: ${firstLine(r.stderr) || `exit ${r.exitCode}`}`);
    }
  } finally {
    await runCommand(cluster, remove).catch(() => {});
  }
}

async function exec(cluster: Cluster, c: StepCommand): Promise<ExecResult> {
  return sshOf(cluster).exec(c.node, c.argv);
}

function failed(r: ExecResult): StepFailed {
  return new StepFailed(`${r.argv.join(' ')} on ${r.host} exited ${r.exitCode ?? r.signal}: ${firstLine(r.stderr || r.stdout) || 'no output'}`);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function fqdnOf(spec: BootstrapSpec, node: string): string {
  return spec.nodes.find((n) => n.name === node)?.fqdn ?? node;
}

/** Checks until done, up to `tries` times half a second apart (a probed peer takes a moment to show as connected). */
async function settle(check: () => Promise<StepState>, tries: number): Promise<StepState> {
  let last = await check();
  for (let i = 1; i < tries && last.status !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    last = await check();
  }
  return last;
}
