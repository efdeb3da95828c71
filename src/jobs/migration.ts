/**
 * One live migration as a durable BullMQ job. The job's data says how far it
 * got (queued → issuing → issued); a job taken back after a crash checks nova
 * before it acts, so `nova live-migration` is never issued twice for one move.
 */
import type { Job } from 'bullmq';
import type { Cluster } from '../cluster/cluster.js';
import type { MessageRef } from '../command.js';
import type { Server } from '../cluster/nova-types.js';
import type { Logger } from '../log.js';
import type { Notifier } from './notifier.js';
import { QUEUE, type Jobs } from './jobs.js';
import { acquireJobLock, lockKey, releaseLock } from './locks.js';
import { adviceFor } from '../cluster/migration-advice.js';
import { report, type Report, type Verdict } from '../report.js';
import { ClusterError, NotFoundError } from '../errors.js';

export interface MigrationJobData {
  instanceId: string;
  instanceName: string;
  source: string;
  target: string;
  requestedBy: string;
  channel: string;
  message?: MessageRef;
  /** Set when the migration is part of an evacuation. */
  evacuationId?: string;
  /** Instance fields when the request was accepted. */
  before: { status: string; taskState: string | null; host: string | null; powerState: string };
  /** Entries pending heal on the volume before the move (null: unknown). */
  healBefore: number | null;
  phase: 'queued' | 'issuing' | 'issued';
  /** The instance's newest migration id in nova just before ferry issued its own (0: none). */
  migrationIdBefore?: number;
  issuedAt?: number;
  pollIntervalMs: number;
  timeoutSeconds: number;
}

export type MigrationOutcome = 'completed' | 'warning' | 'failed' | 'stuck';

export interface MigrationResult {
  outcome: MigrationOutcome;
  report: Report;
  host: string | null;
  error?: string;
}

/** Refused because a migration of the same instance is running. */
export class AlreadyMigrating extends Error {
  constructor(readonly jobId: string, detail: string) {
    super(detail);
    this.name = 'AlreadyMigrating';
  }
}

/** Takes the instance lock and queues the job. Throws AlreadyMigrating naming the running job. */
export async function enqueueMigration(jobs: Jobs, jobId: string, data: MigrationJobData): Promise<Job<MigrationJobData>> {
  const holder = await acquireJobLock(jobs, QUEUE.migrate, lockKey('instance', data.instanceId), jobId);
  if (holder !== null) {
    const running = (await jobs.queue(QUEUE.migrate).getJob(holder)) as Job<MigrationJobData> | undefined;
    const d = running?.data;
    throw new AlreadyMigrating(holder, `${d?.instanceName ?? data.instanceName} is already being migrated${d ? ` to ${d.target}` : ''} (job ${holder}${d ? `, asked by <@${d.requestedBy}>` : ''})`);
  }
  return (await jobs.queue(QUEUE.migrate).add('migrate', data, { jobId, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } })) as Job<MigrationJobData>;
}

export interface MigrationDeps {
  cluster: Cluster;
  jobs: Jobs;
  notifier: Notifier;
  log: Logger;
  /** true once this process is shutting down: a watched migration is handed back to the queue. */
  stopping?: () => boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Failed polls in a row before the attempt gives up (BullMQ then tries the job again). */
const MAX_POLL_MISSES = 10;

/**
 * The worker's side: issue once, watch, verify, report. The instance lock is
 * released once the job has an outcome; a job that throws keeps it, because
 * BullMQ will try it again (and the worker's failed handler releases it after the last try).
 */
export async function processMigration(job: Job<MigrationJobData>, deps: MigrationDeps, token?: string): Promise<MigrationResult> {
  const result = await runMigration(job, deps, token);
  // A stuck migration is still nova's: the lock stays until someone looks (a new /migrate finds the stale job done and takes over).
  if (result.outcome !== 'stuck') await releaseLock(deps.jobs.redis, lockKey('instance', job.data.instanceId), String(job.id));
  return result;
}

async function runMigration(job: Job<MigrationJobData>, deps: MigrationDeps, token?: string): Promise<MigrationResult> {
  const { nova } = deps.cluster;
  const log = deps.log.child({ jobId: job.id, instance: job.data.instanceName });
  const show = async (r: Report) => {
    await job.updateProgress(r as unknown as object);
    await deps.notifier.update(job.data.message, r);
  };
  let d = job.data;
  if (d.phase !== 'issued') {
    const now = await nova.show(d.instanceId);
    const moving = now.status === 'MIGRATING' || now.taskState === 'migrating';
    const arrived = now.host === d.target;
    // Killed while asking nova? A migration record newer than the one seen before asking says nova took it.
    const takenBefore = d.phase === 'issuing' && !moving && !arrived && ((await nova.latestMigration(d.instanceId))?.id ?? 0) > (d.migrationIdBefore ?? 0);
    if (!moving && !arrived && !takenBefore) {
      d = { ...d, phase: 'issuing', migrationIdBefore: (await nova.latestMigration(d.instanceId))?.id ?? 0 };
      await job.updateData(d);
      log.info({ target: d.target }, 'issuing live-migration');
      const refusal = await issue(deps, d, now);
      if (refusal) {
        await show(refusal.report);
        return refusal;
      }
    }
    d = { ...d, phase: 'issued', issuedAt: d.issuedAt ?? Date.now() };
    await job.updateData(d);
  }
  const started = d.issuedAt ?? Date.now();
  let last: Server | undefined;
  let misses = 0;
  for (;;) {
    try {
      last = await nova.show(d.instanceId);
      misses = 0;
    } catch (err) {
      // A blip of the control node or nova-api must not end the watch of a migration that goes on regardless.
      if (++misses >= MAX_POLL_MISSES) throw err;
      log.warn({ err, misses }, 'nova show failed while watching; trying again');
      await sleep(d.pollIntervalMs);
      continue;
    }
    const busy = last.status === 'MIGRATING' || last.taskState !== null;
    if (!busy) break;
    if (Date.now() - started > d.timeoutSeconds * 1000) {
      const r = stuckReport(d, last, started);
      await show(r);
      return { outcome: 'stuck', report: r, host: last.host };
    }
    if (deps.stopping?.() && token) {
      // The migration goes on in nova without us; any ferry takes the watch back in a second (phase is 'issued').
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new (await import('bullmq')).DelayedError();
    }
    await show(await progressReport(deps.cluster, d, last, started));
    await sleep(d.pollIntervalMs);
  }
  const result = last.host === d.target ? await verify(deps, d, last, started) : await failed(deps, d, undefined, last);
  await show(result.report);
  return result;
}

/**
 * Calls `nova live-migration` once. Returns the failed result when nova refused
 * (400/409: nothing started); undefined when it was accepted, or when a 409 says
 * an earlier call of ours already started it. Without nova's answer (SSH dropped,
 * timed out) it throws: whether it started is unknown, and the retry's check decides.
 */
async function issue(deps: MigrationDeps, d: MigrationJobData, before: Server): Promise<MigrationResult | undefined> {
  const { nova } = deps.cluster;
  try {
    await nova.liveMigrate(d.instanceId, d.target);
    return undefined;
  } catch (err) {
    if (!(err instanceof ClusterError) && !(err instanceof NotFoundError)) throw err;
    const again = err instanceof ClusterError && err.kind === 'Conflict' ? await nova.show(d.instanceId).catch(() => before) : before;
    if (again.status === 'MIGRATING' || again.taskState === 'migrating') return undefined;
    return failed(deps, d, err.message, before);
  }
}

/** After the last attempt failed (ferry could not follow it): free the instance and say so. */
export async function migrationJobFailed(job: Job<MigrationJobData>, err: Error, deps: Pick<MigrationDeps, 'jobs' | 'notifier'>): Promise<void> {
  const d = job.data;
  await releaseLock(deps.jobs.redis, lockKey('instance', d.instanceId), String(job.id));
  await deps.notifier.update(
    d.message,
    report({ title: `Migration of ${d.instanceName} to ${d.target}: ferry lost track`, verdict: 'FAIL', reasons: [err.message], notes: [`Check it by hand: /nova show ${d.instanceName}`] }),
  );
}

const elapsed = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

function stateRows(d: MigrationJobData, now: Server): string[][] {
  return [
    ['status', d.before.status, now.status],
    ['task_state', d.before.taskState ?? 'None', now.taskState ?? 'None'],
    ['host', d.before.host ?? '-', now.host ?? '-'],
    ['power state', d.before.powerState, now.powerState],
  ];
}

async function progressReport(cluster: Cluster, d: MigrationJobData, now: Server, started: number): Promise<Report> {
  const rows = stateRows(d, now);
  // Where nova reports them, the bytes copied so far; not every driver or microversion does.
  const m = await cluster.nova.serverMigrations(d.instanceId).catch(() => []);
  const mig = m[0];
  const bytes = (x?: { processedBytes: number | null; remainingBytes: number | null; totalBytes: number | null }) =>
    x && x.processedBytes !== null ? `${mb(x.processedBytes)} copied, ${mb(x.remainingBytes)} left of ${mb(x.totalBytes)}` : null;
  const memory = bytes(mig?.memory);
  const disk = bytes(mig?.disk);
  if (memory) rows.push(['memory', '', memory]);
  if (disk) rows.push(['disk', '', disk]);
  return report({
    title: `Migrating ${d.instanceName} → ${d.target}`,
    verdict: 'INFO',
    reasons: [`${now.status} / ${now.taskState ?? 'None'} on ${now.host ?? '?'}, ${elapsed(started)}`],
    tables: [{ title: 'Progress', columns: ['Field', 'Before', 'Now'], rows }],
  });
}

const mb = (n: number | null | undefined) => (n === null || n === undefined ? '?' : `${Math.round(n / 1048576)} MB`);

/** After nova says it is done, check instead of assuming. */
async function verify(deps: MigrationDeps, d: MigrationJobData, after: Server, started: number): Promise<MigrationResult> {
  const { nova, config } = deps.cluster;
  const misses: string[] = [];
  if (after.status !== 'ACTIVE') misses.push(`status is ${after.status}, not ACTIVE`);
  if (after.powerState !== 'Running') misses.push(`power state is ${after.powerState}, not Running`);
  if (after.taskState !== null) misses.push(`task_state is ${after.taskState}, not None`);
  const record = await nova.latestMigration(d.instanceId).catch(() => undefined);
  if (!record) misses.push('no migration record found in nova migration-list');
  else if (record.status !== 'completed') misses.push(`migration record ${record.id} is ${record.status}, not completed`);
  const healAfter = await pendingHeal(deps.cluster, d.target).catch(() => null);
  if (healAfter === null) misses.push('heal state unknown after the move');
  else if (d.healBefore !== null && healAfter > d.healBefore) misses.push(`${healAfter - d.healBefore} new entries pending heal on ${config.gluster.volume}`);
  const verdict: Verdict = misses.length ? 'WARN' : 'OK';
  const r = report({
    title: `Migrated ${d.instanceName} to ${d.target}`,
    verdict,
    reasons: misses.length ? misses : [`${d.instanceName} is ACTIVE and Running on ${after.host}, after ${elapsed(started)}`],
    tables: [{ title: 'Before / after', columns: ['Field', 'Before', 'After'], rows: [...stateRows(d, after), ['hypervisor', '-', after.hypervisorHostname ?? '-'], ['migration record', '', record ? `${record.id} ${record.status}` : '-']] }],
  });
  return { outcome: misses.length ? 'warning' : 'completed', report: r, host: after.host };
}

/** The sum of entries pending heal over the volume's bricks, asked of `node`. */
export async function pendingHeal(cluster: Cluster, node: string): Promise<number> {
  const entries = await cluster.gluster.healSummary(node, cluster.config.gluster.volume);
  return entries.reduce((n, e) => n + (e.pending ?? 0), 0);
}

/** The migration ended without the instance on the target: find out why and say what to do. */
async function failed(deps: MigrationDeps, d: MigrationJobData, refusal: string | undefined, now: Server): Promise<MigrationResult> {
  const { nova } = deps.cluster;
  let cause = refusal;
  if (!cause) {
    const fault = now.fields.find(([k]) => k === 'fault')?.[1];
    const actions = await nova.actions(d.instanceId).catch(() => []);
    const action = actions.filter((a) => a.action === 'live-migration').at(-1);
    // The action's message is only "Error"; nova keeps the error itself in the action's events.
    const events = action ? await nova.actionEvents(d.instanceId, action.requestId).catch(() => []) : [];
    const detail = events.map((e) => e.details).filter(Boolean).at(-1);
    const record = await nova.latestMigration(d.instanceId).catch(() => undefined);
    cause = [detail ?? fault ?? action?.message, record ? `migration ${record.id} ${record.status}` : undefined].filter(Boolean).join('; ') || 'the instance did not move';
  }
  const r = report({
    title: `Migration of ${d.instanceName} to ${d.target} failed`,
    verdict: 'FAIL',
    reasons: [cause],
    tables: [{ title: 'State', columns: ['Field', 'Before', 'Now'], rows: stateRows(d, now) }],
    notes: [adviceFor(cause)],
  });
  return { outcome: 'failed', report: r, host: now.host, error: cause };
}

function stuckReport(d: MigrationJobData, now: Server, started: number): Report {
  return report({
    title: `Migration of ${d.instanceName} is stuck`,
    verdict: 'FAIL',
    reasons: [`still ${now.status} / ${now.taskState ?? 'None'} on ${now.host ?? '?'} after ${elapsed(started)} (timeout ${d.timeoutSeconds} s)`],
    tables: [{ title: 'State', columns: ['Field', 'Before', 'Now'], rows: stateRows(d, now) }],
    notes: [
      `See what nova is doing: nova migration-list --instance-uuid ${d.instanceId}`,
      `Abort it if it makes no progress: nova live-migration-abort ${d.instanceId} MIGRATION_ID`,
      'ferry has stopped watching; nothing else was changed.',
    ],
  });
}
