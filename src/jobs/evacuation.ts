/**
 * An approved evacuation as one durable BullMQ job (the parent) that runs one
 * migration job (src/jobs/migration.ts) per instance. The parent keeps no
 * state of its own: which children exist, and how each ended, is read back
 * from Redis at every step (child job ids are `evac-<id>-<instance id>`), so a
 * parent taken back after a crash, by this process or another, goes on where
 * it was, and a child is never added twice (BullMQ ignores an existing job id).
 */
import type { Job } from 'bullmq';
import { outcomeOf, type Audit } from '../audit.js';
import type { MessageRef } from './notifier.js';
import type { Cluster } from '../cluster/cluster.js';
import type { EvacuationPlan, PlannedMove } from '../cluster/evacuation-plan.js';
import { preflightMigration } from '../cluster/preflight.js';
import type { Logger } from '../log.js';
import { report, type Report } from '../report.js';
import { QUEUE, type Jobs } from './jobs.js';
import { acquireJobLock, jobAlive, lockKey, releaseLock } from './locks.js';
import { AlreadyMigrating, enqueueMigration, pendingHeal, type MigrationDeps, type MigrationJobData, type MigrationResult } from './migration.js';
import { counts, progressReport, summaryReport } from './evacuation-report.js';
import type { EvacuationState, MoveState, MoveStatus } from './evacuation-state.js';
import { jobEnd, replyJobEnd, type JobEndVerdict } from './job-end-reply.js';

/** The parent job's data: the approved plan and where to report; nothing in it changes while it runs. */
export interface EvacuationJobData {
  /** The approval request's id; the evacuation is known by it (`/evacuate status ID`). */
  evacId: string;
  /** Exactly the plan that was approved. */
  plan: EvacuationPlan;
  line: string;
  requestedBy: string;
  approvedBy: string;
  channel: string;
  /** The one message that shows the evacuation (the approval request's). */
  message?: MessageRef;
  pollIntervalMs: number;
  timeoutSeconds: number;
}

/** What the parent job returns (`ferry run` and `/evacuate status` show its report). */
export interface EvacuationResult {
  report: Report;
}

export type EvacuationDeps = MigrationDeps & {
  audit: Audit;
  /** true once this process is shutting down: the job goes back to the queue for any ferry to resume. */
  stopping?: () => boolean;
};

/** The parent's job id, from the approval id: approving twice cannot queue it twice. */
export const evacuationJobId = (evacId: string) => `evac-${evacId}`;
/** A child migration's job id: re-adding it after a crash is a no-op. */
export const childJobId = (evacId: string, instanceId: string) => `evac-${evacId}-${instanceId}`;
/** Set once someone asked to cancel the evacuation (who, when). */
export const cancelKey = (evacId: string) => `ferry:evac:${evacId}:cancel`;
const skippedKey = (evacId: string) => `ferry:evac:${evacId}:skipped`;
const auditedKey = (evacId: string) => `ferry:evac:${evacId}:audited`;
const KEEP_SECONDS = 30 * 86400;

/** Queues the parent job; its id comes from the approval, so it is queued once however often this runs. */
export async function enqueueEvacuation(jobs: Jobs, data: EvacuationJobData): Promise<Job<EvacuationJobData>> {
  return (await jobs.queue(QUEUE.evacuate).add('evacuate', data, {
    jobId: evacuationJobId(data.evacId),
    attempts: 10,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 30 * 86400 },
    removeOnFail: { age: 30 * 86400 },
  })) as Job<EvacuationJobData>;
}

/** The evacuation job holding the host's lock, if it is still alive. */
export async function hostEvacuation(jobs: Jobs, host: string): Promise<string | null> {
  const holder = await jobs.redis.get(lockKey('host', host));
  return holder !== null && (await jobAlive(jobs, QUEUE.evacuate, holder, 0)) ? holder : null;
}

/** Takes the host lock for `jobId` (a resumed job re-takes its own); returns the live job holding it otherwise. */
function lockHost(jobs: Jobs, host: string, jobId: string): Promise<string | null> {
  return acquireJobLock(jobs, QUEUE.evacuate, lockKey('host', host), jobId);
}

/** Asks a running evacuation to stop starting migrations. false: it was already asked. */
export async function requestCancel(jobs: Jobs, evacId: string, by: string): Promise<boolean> {
  const ok = await jobs.redis.set(cancelKey(evacId), JSON.stringify({ by, at: new Date().toISOString() }), 'EX', KEEP_SECONDS, 'NX');
  return ok === 'OK';
}

/** Derives the state of every planned move from Redis: skipped marks, child jobs, the cancel mark. */
export async function readEvacuation(jobs: Jobs, evacId: string, plan: EvacuationPlan): Promise<EvacuationState> {
  const [skipped, cancelRaw] = await Promise.all([jobs.redis.hgetall(skippedKey(evacId)), jobs.redis.get(cancelKey(evacId))]);
  const cancel = cancelRaw ? (JSON.parse(cancelRaw) as { by: string; at: string }) : null;
  const queue = jobs.queue(QUEUE.migrate);
  const moves = await Promise.all(
    plan.moves.map(async (move): Promise<MoveStatus> => {
      const skip = skipped[move.instanceId];
      if (skip) return { move, state: 'skipped', ...(JSON.parse(skip) as { detail: string; advice?: string }) };
      const id = childJobId(evacId, move.instanceId);
      // State first: a job read before it completed would have no return value yet.
      const state = await queue.getJobState(id);
      const job = state === 'unknown' ? undefined : await queue.getJob(id);
      if (!job) return cancel ? { move, state: 'cancelled', detail: 'not started' } : { move, state: 'pending', detail: '' };
      if (state === 'completed') return finishedMove(move, job.returnvalue as MigrationResult);
      if (state === 'failed') return { move, state: 'failed', detail: `ferry lost track: ${job.failedReason}`, advice: `Check it by hand: /nova show ${move.instanceName}` };
      const progress = job.progress as Partial<Report> | number;
      return { move, state: 'running', detail: (typeof progress === 'object' && progress.reasons?.[0]) || 'queued' };
    }),
  );
  return { plan, moves, cancel, finished: moves.every((m) => m.state !== 'pending' && m.state !== 'running') };
}

function finishedMove(move: PlannedMove, r: MigrationResult): MoveStatus {
  const reason = r.report.reasons[0] ?? '';
  if (r.outcome === 'completed') return { move, state: 'moved', detail: `ACTIVE on ${r.host}` };
  if (r.outcome === 'warning') return { move, state: 'warning', detail: `on ${r.host}: ${r.report.reasons.join('; ')}` };
  return { move, state: 'failed', detail: r.error ?? reason, advice: r.report.notes.join(' ') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The worker's side: lock the host, disable its nova-compute, then keep
 * starting migrations while slots are free until nothing is pending or
 * running; end with the summary (the host stays disabled).
 */
/** After the last attempt failed: free the host and say what still stands. */
export async function evacuationJobFailed(job: Job<EvacuationJobData>, err: Error, deps: Pick<MigrationDeps, 'jobs' | 'notifier'>): Promise<void> {
  const d = job.data;
  await releaseLock(deps.jobs.redis, lockKey('host', d.plan.host), String(job.id));
  await deps.notifier.update(
    d.message,
    report({
      title: `Evacuation of ${d.plan.host}: ferry gave up`,
      verdict: 'FAIL',
      reasons: [err.message, 'migrations already started finish on their own; no new ones start'],
      notes: [`See what moved: /evacuate status ${d.evacId} · /nova list --host ${d.plan.host}`],
    }),
  );
  await replyJobEnd(deps, endOf(job, 'UNKNOWN', `ferry gave up: ${err.message}`));
}

const endOf = (job: Job<EvacuationJobData>, verdict: JobEndVerdict, detail: string) => jobEnd(QUEUE.evacuate, job, `evacuation of ${job.data.plan.host}`, verdict, detail);

export async function processEvacuation(job: Job<EvacuationJobData>, deps: EvacuationDeps, token?: string): Promise<EvacuationResult> {
  const d = job.data;
  const host = d.plan.host;
  const log = deps.log.child({ jobId: job.id, host });
  const show = async (r: Report) => {
    await job.updateProgress(r as unknown as object);
    return deps.notifier.update(d.message, r);
  };
  const holder = await lockHost(deps.jobs, host, String(job.id));
  if (holder !== null) {
    const r = report({ title: `Not evacuating ${host}`, verdict: 'FAIL', reasons: [`${host} is already being evacuated (${holder}); nothing was started`], notes: [`/evacuate status ${holder.replace(/^evac-/, '')}`] });
    await show(r);
    await replyJobEnd(deps, endOf(job, 'FAIL', r.reasons[0]!));
    return { report: r };
  }
  await disableHost(deps.cluster, d.plan, log);
  let state: EvacuationState;
  let shown = '';
  for (;;) {
    state = await readEvacuation(deps.jobs, d.evacId, d.plan);
    if (!state.cancel && (await startMoves(state, d, deps, log))) state = await readEvacuation(deps.jobs, d.evacId, d.plan);
    if (state.finished) break;
    if (deps.stopping?.()) {
      // Waiting here would hold the shutdown for as long as the evacuation lasts, and the
      // migration workers stop taking its children. Everything is in Redis: hand it back.
      log.info('shutting down: the evacuation goes back to the queue');
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new (await import('bullmq')).DelayedError();
    }
    const r = progressReport(state, d);
    const text = JSON.stringify(r);
    if (text !== shown) {
      shown = text;
      // Not awaited: the poster spaces updates out, and the evacuation must not wait on Slack.
      show(r).catch((err: Error) => log.warn({ err }, 'progress not shown'));
    }
    await sleep(d.pollIntervalMs);
  }
  const still = await deps.cluster.nova.list({ host, allTenants: true }).catch(() => null);
  const summary = summaryReport(state, d, still);
  // Audited before it is announced: whoever reads the summary finds the audit entry already there.
  if ((await deps.jobs.redis.set(auditedKey(d.evacId), '1', 'EX', KEEP_SECONDS, 'NX')) === 'OK') {
    const outcome = state.cancel ? 'cancelled' : outcomeOf(summary.verdict);
    await deps.audit.record({ user: d.requestedBy, channel: d.channel, command: 'evacuate', line: d.line, outcome, detail: `${d.evacId}: ${summary.reasons[0]}` });
  }
  await show(summary);
  await releaseLock(deps.jobs.redis, lockKey('host', host), String(job.id));
  const c = counts(state);
  const left = state.moves.length - c.done;
  await replyJobEnd(deps, endOf(job, state.cancel ? 'CANCELLED' : summary.verdict === 'INFO' ? 'OK' : summary.verdict, `${c.done} of ${state.moves.length} moved${left ? `, ${left} not moved` : ''}`));
  return { report: summary };
}

/** Disables the host's nova-compute unless it already is (by an earlier run of this job, or by hand). */
async function disableHost(cluster: Cluster, plan: EvacuationPlan, log: Logger): Promise<void> {
  const services = await cluster.nova.services({ host: plan.host, binary: 'nova-compute' });
  if (services.find((s) => s.host === plan.host)?.status === 'disabled') return;
  log.info({ reason: plan.reason }, 'disabling nova-compute');
  await cluster.nova.serviceDisable(plan.host, plan.reason);
}

/**
 * Starts pending moves in plan order while the evacuation has free slots and
 * neither the source nor the target runs perHost migrations already (counting
 * every migration job: other evacuations and /migrate too). true when anything changed.
 */
async function startMoves(state: EvacuationState, d: EvacuationJobData, deps: EvacuationDeps, log: Logger): Promise<boolean> {
  const { effective, perHost } = d.plan.concurrency;
  let free = effective - state.moves.filter((m) => m.state === 'running').length;
  const busy = await migrationsPerHost(deps.jobs);
  const room = (host: string) => (busy.get(host) ?? 0) < perHost;
  let changed = false;
  for (const m of state.moves) {
    if (m.state !== 'pending') continue;
    const target = m.move.target;
    if (target !== null && (free <= 0 || !room(d.plan.host) || !room(target))) continue;
    changed = true;
    if (await startMove(m.move, d, deps, log)) {
      free--;
      for (const h of [d.plan.host, target!]) busy.set(h, (busy.get(h) ?? 0) + 1);
    }
  }
  return changed;
}

/** Migration jobs queued or running now, per host (as source or as target). */
async function migrationsPerHost(jobs: Jobs): Promise<Map<string, number>> {
  const busy = (await jobs.queue(QUEUE.migrate).getJobs(['active', 'waiting', 'delayed', 'prioritized'])) as Job<MigrationJobData>[];
  const per = new Map<string, number>();
  for (const j of busy) {
    // A job may end (and go) between listing and reading.
    if (!j?.data) continue;
    for (const h of new Set([j.data.source, j.data.target])) per.set(h, (per.get(h) ?? 0) + 1);
  }
  return per;
}

/** Preflight, then the child migration job; a pair that fails preflight is marked skipped. true when queued. */
async function startMove(move: PlannedMove, d: EvacuationJobData, deps: EvacuationDeps, log: Logger): Promise<boolean> {
  const skip = async (detail: string, advice?: string) => {
    log.info({ instance: move.instanceName, detail }, 'skipping');
    await deps.jobs.redis.hset(skippedKey(d.evacId), move.instanceId, JSON.stringify({ detail, advice }));
    await deps.jobs.redis.expire(skippedKey(d.evacId), KEEP_SECONDS);
    return false;
  };
  if (!move.target) return skip(move.problems.join('; ') || 'no target', 'Make room on another compute node, or name targets with --to, then evacuate again.');
  const pf = await preflightMigration(deps.cluster, move.instanceId, move.target);
  const server = pf.server;
  if (server && server.host !== d.plan.host) return skip(`no longer on ${d.plan.host}: it is on ${server.host ?? 'no host'}`);
  const failing = pf.checks.filter((c) => c.verdict === 'FAIL');
  if (failing.length || !server) return skip(`preflight: ${failing.map((c) => `${c.check}: ${c.detail}`).join('; ')}`, failing[0]?.hint);
  const healBefore = await pendingHeal(deps.cluster, move.target).catch(() => null);
  try {
    await enqueueMigration(deps.jobs, childJobId(d.evacId, move.instanceId), {
      instanceId: server.id,
      instanceName: server.name,
      source: d.plan.host,
      target: move.target,
      requestedBy: d.requestedBy,
      channel: d.channel,
      evacuationId: d.evacId,
      before: { status: server.status, taskState: server.taskState, host: server.host, powerState: server.powerState },
      healBefore,
      phase: 'queued',
      pollIntervalMs: d.pollIntervalMs,
      timeoutSeconds: d.timeoutSeconds,
    });
  } catch (err) {
    if (err instanceof AlreadyMigrating) return skip(err.message, 'Let that migration finish; evacuate again for what is left.');
    throw err;
  }
  return true;
}
