/**
 * The plan of an evacuation, from a snapshot of the host taken now: every
 * instance on it, a target for each (balanced by free RAM and vCPUs), the
 * preflight verdict of each pair, and how many migrations may run at once.
 * The plan is what an approver approves; execution follows it exactly.
 */
import { createCluster, sshOf, type Cluster } from './cluster.js';
import { preflightMigration } from './preflight.js';
import { pass, warn, worstState, type Check, type CheckState } from './checks.js';
import { findCompute } from '../config.js';
import { readNovaConf } from './nova-conf.js';
import { freeRoom, hypervisorOf } from './hypervisor-lookup.js';
import type { Server, ServerSummary, Service } from './nova-types.js';
import type { ExecResult, Ssh } from '../ssh/types.js';

/** What the operator asked for. */
export interface PlanRequest {
  host: string;
  /** --to: only these targets; absent: every enabled and up compute but the source. */
  targets?: string[];
  /** --concurrency; absent: policy.migration.concurrency. */
  concurrency?: number;
  reason: string;
}

/** A candidate target and the room the plan leaves on it. */
export interface TargetRoom {
  host: string;
  /** Free RAM and vCPUs before the evacuation (hypervisor-lookup.ts); null when unknown. */
  freeRamMb: number | null;
  freeVcpus: number | null;
  /** Instances the plan sends there. */
  assigned: number;
  /** Why no instance goes there (service disabled or down), if so. */
  unusable?: string;
}

/** One instance to live-migrate, its target and the preflight of the pair. */
export interface PlannedMove {
  instanceId: string;
  instanceName: string;
  status: string;
  ramMb: number | null;
  vcpus: number | null;
  /** null: no target has room or can take it. */
  target: string | null;
  verdict: CheckState;
  /** `check: detail` of every check that did not pass. */
  problems: string[];
}

/** An instance that stays where it is (ERROR or SHUTOFF: nothing to live-migrate). */
export interface LeftInstance {
  instanceId: string;
  instanceName: string;
  status: string;
}

export interface EvacuationPlan {
  host: string;
  reason: string;
  requested: { targets: string[] | null; concurrency: number | null };
  concurrency: {
    /** Migrations at once: the least of what was asked, nova.conf's and the per-host policy. */
    effective: number;
    asked: number;
    /** max_concurrent_live_migrations in nova.conf on the source (1 when unset or unreadable). */
    novaMax: number;
    /** policy.migration.perHostConcurrency: at once per source and per target host. */
    perHost: number;
    novaConfError?: string;
  };
  targets: TargetRoom[];
  moves: PlannedMove[];
  left: LeftInstance[];
  takenAt: string;
}

/** Statuses that stay on the host and do not count as failures. */
export const LEFT_STATUSES = new Set(['ERROR', 'SHUTOFF']);

/** Builds the plan. Throws only when nova cannot list the host's instances or services. */
export async function planEvacuation(cluster: Cluster, req: PlanRequest): Promise<EvacuationPlan> {
  const { config } = cluster;
  // One answer per distinct command: every pair's preflight reuses the node-level answers.
  const snap = createCluster(snapshotSsh(sshOf(cluster)), config);
  const source = findCompute(cluster.config, req.host);
  const [instances, services, conf] = await Promise.all([
    snap.nova.list({ host: req.host, allTenants: true }),
    snap.nova.services({ binary: 'nova-compute' }),
    source ? readNovaConf(sshOf(snap), source.name).then((c) => ({ ok: true as const, c }), (e: Error) => ({ ok: false as const, e })) : undefined,
  ]);
  const candidates = req.targets ?? config.nodes.computes.map((n) => n.name).filter((n) => n !== source?.name);
  const targets = await Promise.all(candidates.map((host) => targetRoom(snap, host, services)));
  const left = instances.filter((i) => LEFT_STATUSES.has(i.status)).map((i) => ({ instanceId: i.id, instanceName: i.name, status: i.status }));
  const movable = instances.filter((i) => !LEFT_STATUSES.has(i.status));
  const shows = await Promise.all(movable.map((i) => snap.nova.show(i.id).catch(() => undefined)));
  const moves = movable.map((i, k) => newMove(i, shows[k]));
  const rooms = assignTargets(moves, targets);
  await Promise.all(moves.map((m) => preflightPair(snap, m, targets, rooms.get(m.instanceId))));

  const asked = req.concurrency ?? config.policy.migration.concurrency;
  const novaMax = conf?.ok ? conf.c.maxConcurrentLiveMigrations : 1;
  const perHost = config.policy.migration.perHostConcurrency;
  return {
    host: req.host,
    reason: req.reason,
    requested: { targets: req.targets ?? null, concurrency: req.concurrency ?? null },
    concurrency: {
      effective: Math.max(1, Math.min(asked, novaMax, perHost)),
      asked,
      novaMax,
      perHost,
      ...(conf && !conf.ok ? { novaConfError: conf.e.message } : {}),
    },
    targets,
    moves: moves.sort((a, b) => a.instanceName.localeCompare(b.instanceName, 'en', { numeric: true })),
    left,
    takenAt: new Date().toISOString(),
  };
}

/** What changed on the host since the plan's snapshot; null when nothing did. */
export interface SnapshotDiff {
  added: { name: string; status: string }[];
  removed: { name: string; status: string }[];
  /** Moved between "to migrate" and "left" (e.g. ACTIVE → SHUTOFF). */
  changed: { name: string; from: string; to: string }[];
}

/** Compares the plan's snapshot with the host's instances now (`nova list --host H --all-tenants`). */
export function diffSnapshot(plan: EvacuationPlan, now: ServerSummary[]): SnapshotDiff | null {
  const before = new Map<string, { name: string; status: string }>();
  for (const m of plan.moves) before.set(m.instanceId, { name: m.instanceName, status: m.status });
  for (const l of plan.left) before.set(l.instanceId, { name: l.instanceName, status: l.status });
  const after = new Map(now.map((i) => [i.id, i]));
  const added = now.filter((i) => !before.has(i.id)).map((i) => ({ name: i.name, status: i.status }));
  const removed = [...before].filter(([id]) => !after.has(id)).map(([, b]) => b);
  const changed = [...before].flatMap(([id, b]) => {
    const a = after.get(id);
    return a && LEFT_STATUSES.has(a.status) !== LEFT_STATUSES.has(b.status) ? [{ name: b.name, from: b.status, to: a.status }] : [];
  });
  return added.length || removed.length || changed.length ? { added, removed, changed } : null;
}

/** The plan's request, to plan again from a fresh snapshot. */
export function requestOf(plan: EvacuationPlan): PlanRequest {
  return {
    host: plan.host,
    reason: plan.reason,
    ...(plan.requested.targets ? { targets: plan.requested.targets } : {}),
    ...(plan.requested.concurrency !== null ? { concurrency: plan.requested.concurrency } : {}),
  };
}

function newMove(i: ServerSummary, s: Server | undefined): PlannedMove {
  const field = (p: string) => {
    const v = Number(s?.fields.find(([k]) => k === p)?.[1]);
    return Number.isFinite(v) ? v : null;
  };
  return { instanceId: i.id, instanceName: i.name, status: i.status, ramMb: field('flavor:ram'), vcpus: field('flavor:vcpus'), target: null, verdict: 'PASS', problems: [] };
}

async function targetRoom(snap: Cluster, host: string, services: Service[]): Promise<TargetRoom> {
  const node = findCompute(snap.config, host);
  const svc = services.find((s) => s.host === host && s.binary === 'nova-compute');
  const unusable = !node
    ? `${host} is not a compute node in ferry.yml`
    : !svc
      ? `no nova-compute service on ${host}`
      : svc.status !== 'enabled'
        ? `nova-compute disabled${svc.disabledReason ? ` (${svc.disabledReason})` : ''}`
        : svc.state !== 'up'
          ? `nova-compute ${svc.state ?? 'not reporting'}`
          : undefined;
  const free = freeRoom(node ? await hypervisorOf(snap.nova, node).catch(() => undefined) : undefined);
  return { host, freeRamMb: free.ramMb, freeVcpus: free.vcpus, assigned: 0, ...(unusable ? { unusable } : {}) };
}

/**
 * Largest instances first, each to the usable target with the most free RAM
 * (then vCPUs) left after what the plan already sent there. RAM must fit;
 * vCPUs are commonly overcommitted, so they only break ties (and warn).
 * Returns the room check of each assigned move, as the plan leaves the target.
 */
function assignTargets(moves: PlannedMove[], targets: TargetRoom[]): Map<string, Check> {
  const checks = new Map<string, Check>();
  const room = new Map(targets.map((t) => [t.host, { ram: t.freeRamMb, vcpus: t.freeVcpus }]));
  const order = [...moves].sort((a, b) => (b.ramMb ?? 0) - (a.ramMb ?? 0) || a.instanceName.localeCompare(b.instanceName, 'en', { numeric: true }));
  for (const m of order) {
    const fits = targets.filter((t) => {
      const r = room.get(t.host)!;
      return !t.unusable && (r.ram === null || m.ramMb === null || r.ram >= m.ramMb);
    });
    const score = (t: TargetRoom) => room.get(t.host)!;
    fits.sort((a, b) => {
      const [ra, rb] = [score(a), score(b)];
      return (rb.ram ?? -1) - (ra.ram ?? -1) || (rb.vcpus ?? -1) - (ra.vcpus ?? -1) || a.assigned - b.assigned || a.host.localeCompare(b.host);
    });
    const best = fits[0];
    if (!best) continue;
    m.target = best.host;
    best.assigned++;
    const r = room.get(best.host)!;
    checks.set(m.instanceId, roomCheck(best.host, m, r));
    if (r.ram !== null && m.ramMb !== null) r.ram -= m.ramMb;
    if (r.vcpus !== null && m.vcpus !== null) r.vcpus -= m.vcpus;
  }
  return checks;
}

function roomCheck(host: string, m: PlannedMove, r: { ram: number | null; vcpus: number | null }): Check {
  const check = `room on ${host}`;
  if (r.ram === null || r.vcpus === null) return warn(check, 'capacity unknown', 'Check free RAM and vCPUs with: openstack resource provider usage show');
  const detail = `${r.ram} MB and ${r.vcpus} vCPU free after the moves planned before this one`;
  if (m.vcpus !== null && r.vcpus < m.vcpus) return warn(check, `needs ${m.vcpus} vCPU, ${detail}`, 'The scheduler may refuse it unless vCPUs are overcommitted (cpu_allocation_ratio).');
  return pass(check, detail);
}

/** The pair's preflight, with the room check counting what the plan sends there before it. */
async function preflightPair(snap: Cluster, m: PlannedMove, targets: TargetRoom[], room: Check | undefined): Promise<void> {
  if (!m.target) {
    const why = targets.length === 0 ? 'no other compute node to move to' : targets.every((t) => t.unusable) ? 'no usable target (every one is disabled or down)' : `no target has ${m.ramMb ?? '?'} MB of RAM left`;
    m.verdict = 'FAIL';
    m.problems = [`target: ${why}`];
    return;
  }
  const pf = await preflightMigration(snap, m.instanceId, m.target);
  // preflightMigration sees the target as it is now; the plan's own room check counts the earlier moves.
  const checks: Check[] = pf.checks.filter((c) => c.check !== `room on ${m.target}`).concat(room ? [room] : []);
  m.verdict = worstState(checks);
  m.problems = checks.filter((c) => c.verdict !== 'PASS').map((c) => `${c.check}: ${c.detail}`);
}

/** An Ssh that answers each distinct command on a node once: one consistent snapshot, and fast. */
function snapshotSsh(ssh: Ssh): Ssh {
  const answers = new Map<string, Promise<ExecResult>>();
  return {
    exec(host, argv, opts) {
      const key = JSON.stringify([host, argv, opts?.source ?? null]);
      let answer = answers.get(key);
      if (!answer) {
        answer = ssh.exec(host, argv, opts);
        answers.set(key, answer);
      }
      return answer;
    },
    fanOut: (hosts, argv, opts) => ssh.fanOut(hosts, argv, opts),
    observe: (f) => ssh.observe(f),
    stats: () => ssh.stats(),
    close: async () => {},
  };
}
