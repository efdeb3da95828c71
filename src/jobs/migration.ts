/**
 * One live migration as a durable BullMQ job. The job's data says how far it
 * got (queued → issuing → issued); a job taken back after it reached `issuing`
 * checks nova before it acts, so `nova live-migration` is never issued twice for one move.
 */
import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Cluster } from '../cluster/cluster.js';
import type { MessageRef } from './notifier.js';
import type { Migration, Server } from '../cluster/nova-types.js';
import { slowCallNotes } from '../cluster/slow-calls.js';
import type { Logger } from '../log.js';
import type { Notifier } from './notifier.js';
import { QUEUE, type Jobs } from './jobs.js';
import { acquireJobLock, lockKey, releaseLock } from './locks.js';
import { adviceFor } from '../cluster/migration-advice.js';
import { report, type Report, type Verdict } from '../report.js';
import { ClusterError, NotFoundError } from '../errors.js';
import { jobEnd, replyJobEnd, type JobEndVerdict } from './job-end-reply.js';
import { AIM_AFTER_MS, asksRecord, copyEndEstimate, nextLook, progressDue } from './migration-watch.js';
import { user } from '../mention.js';

export interface MigrationJobData {
  instanceId: string;
  instanceName: string;
  source: string;
  target: string;
  requestedBy: string;
  /** An admin's --force past failing checks ("FORCED by <@U…> past: …"): kept on every message the job shows. */
  forced?: string;
  channel: string;
  message?: MessageRef;
  /** Set when the migration is part of an evacuation. */
  evacuationId?: string;
  /** Instance fields when the request was accepted. */
  before: { status: string; taskState: string | null; host: string | null; powerState: string };
  /** Entries pending heal on the volume before the move (null: unknown). */
  healBefore: number | null;
  phase: 'queued' | 'issuing' | 'issued';
  /**
   * The newest migration id in nova before ferry issued its own (0: none): the preflight's
   * (see MigrationPreflight.newestMigrationId), else read by the job just before issuing.
   */
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

/**
 * The job id of a `/migrate`: short enough to type (`migrate-1a2b3c4d`), the same for a
 * redelivery of the same request (so it is queued once), different for every other request.
 */
export const migrationJobId = (instanceId: string, requestId: string) => `migrate-${createHash('sha256').update(`${instanceId} ${requestId}`).digest('hex').slice(0, 8)}`;

/** Takes the instance lock and queues the job. Throws AlreadyMigrating naming the running job. */
export async function enqueueMigration(jobs: Jobs, jobId: string, data: MigrationJobData): Promise<Job<MigrationJobData>> {
  const holder = await acquireJobLock(jobs, QUEUE.migrate, lockKey('instance', data.instanceId), jobId);
  if (holder !== null) {
    const running = (await jobs.queue(QUEUE.migrate).getJob(holder)) as Job<MigrationJobData> | undefined;
    const d = running?.data;
    throw new AlreadyMigrating(holder, `${d?.instanceName ?? data.instanceName} is already being migrated${d ? ` to ${d.target}` : ''} (job ${holder}${d ? `, asked by ${user(d.requestedBy)}` : ''})`);
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
  const ran = await runMigration(job, deps, token);
  // The job's result is what `/ferry jobs ID` shows once it has ended: with the override, as on its message.
  const result = { ...ran, report: withOverride(job.data, ran.report) };
  // A stuck migration is still nova's: the lock stays until someone looks (a new /migrate finds the stale job done and takes over).
  if (result.outcome !== 'stuck') await releaseLock(deps.jobs.redis, lockKey('instance', job.data.instanceId), String(job.id));
  await replyJobEnd(deps, endOf(job, END_VERDICT[result.outcome], result.report.reasons[0] ?? result.report.title));
  return result;
}

/** An admin's override, first among the notes of every report the job shows. */
const withOverride = (d: MigrationJobData, r: Report): Report => (d.forced ? { ...r, notes: [d.forced, ...r.notes] } : r);

async function runMigration(job: Job<MigrationJobData>, deps: MigrationDeps, token?: string): Promise<MigrationResult> {
  const { nova } = deps.cluster;
  const log = deps.log.child({ jobId: job.id, instance: job.data.instanceName });
  const show = async (r: Report) => {
    const shown = withOverride(job.data, r);
    await job.updateProgress(shown as unknown as object);
    await deps.notifier.update(job.data.message, { ...shown, requestedBy: job.data.requestedBy });
  };
  let d = job.data;
  if (d.phase !== 'issued') {
    const sent = await issueOnce(job, deps, log);
    if (!sent.ok) {
      await show(sent.refused.report);
      return sent.refused;
    }
    d = sent.data;
  }
  const started = d.issuedAt ?? Date.now();
  let last: Server | undefined;
  let misses = 0;
  let progress: Migration[] = [];
  let progressAt = -Infinity;
  let lookedAt = -Infinity;
  let callMs = 0;
  // When the copy should end (ferry's clock), and the estimate one look was already aimed at.
  let copyEnd: number | undefined;
  let aimedAt: number | undefined;
  // The record as asked together with the look that saw the instance no longer busy (when that look asked).
  let recordSeen: { record: Migration | undefined } | undefined;
  for (;;) {
    const aim = copyEnd === undefined || copyEnd === aimedAt ? undefined : copyEnd + AIM_AFTER_MS - callMs;
    const next = nextLook(Date.now(), lookedAt + d.pollIntervalMs, d.pollIntervalMs, aim);
    await sleep(next.at - Date.now());
    if (next.aimed) aimedAt = copyEnd;
    const polled = Date.now();
    lookedAt = polled;
    // The copy progress changes slowly: ask for it now and then, alongside the show, not as a second call each poll.
    const progressAsked = progressDue(polled, progressAt, copyEnd, callMs, d.pollIntervalMs) ? nova.serverMigrations(d.instanceId).then((m) => ({ m, at: Date.now() }), () => undefined) : undefined;
    if (progressAsked) progressAt = polled;
    // Near the end a look asks for nova's record with it: the evidence comes in the same round of calls.
    const recordAsked = asksRecord(next.aimed, polled + callMs, copyEnd, d.pollIntervalMs) ? newerMigration(deps, d).then((record) => ({ record }), () => undefined) : undefined;
    try {
      last = await nova.show(d.instanceId, { minimal: true });
      callMs = Date.now() - polled;
      misses = 0;
    } catch (err) {
      // A blip of the control node or nova-api must not end the watch of a migration that goes on regardless.
      if (++misses >= MAX_POLL_MISSES) throw err;
      log.warn({ err, misses }, 'nova show failed while watching; trying again');
      continue;
    }
    const busy = last.status === 'MIGRATING' || last.taskState !== null;
    if (!busy) {
      recordSeen = await recordAsked;
      break;
    }
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
    const asked = await progressAsked;
    if (asked) {
      progress = asked.m;
      copyEnd = copyEndEstimate(started, asked.at, asked.m) ?? copyEnd;
    }
    await show(progressReport(d, last, started, progress));
  }
  // Success only on evidence tied to this request: nova's record of it, from the source to the target, completed.
  const record = await finalMigration(deps, d, recordSeen);
  const result = record && isTheMove(d, record) && last.host === d.target ? await verify(deps, d, last, started, record) : await failed(deps, d, undefined, last, record ?? null);
  const slow = slowCallNotes();
  const final = slow.length ? { ...result, report: { ...result.report, notes: [...result.report.notes, ...slow] } } : result;
  await show(final.report);
  return final;
}

/** The newest migration of the instance that nova recorded after ferry's request (id above the one seen before it). */
async function newerMigration(deps: MigrationDeps, d: MigrationJobData): Promise<Migration | undefined> {
  const latest = await deps.cluster.nova.latestMigration(d.instanceId);
  return latest && latest.id > (d.migrationIdBefore ?? 0) ? latest : undefined;
}

/**
 * Sends `nova live-migration` once for this job. A fresh job issues at once: its preflight
 * read the newest migration id. Only a job taken back after it reached `issuing` (a worker
 * died, nova's answer was lost) asks nova first whether that call got through; a record
 * newer than the one seen before, or the instance moving, says it did, and it is not sent again.
 */
async function issueOnce(job: Job<MigrationJobData>, deps: MigrationDeps, log: Logger): Promise<{ ok: true; data: MigrationJobData } | { ok: false; refused: MigrationResult }> {
  const { nova } = deps.cluster;
  let d = job.data;
  const retried = d.phase === 'issuing';
  let taken = false;
  if (retried || d.migrationIdBefore === undefined) {
    // Both at once: each nova call costs seconds on a real control node.
    const [now, latest] = await Promise.all([retried ? nova.show(d.instanceId, { minimal: true }) : undefined, nova.latestMigration(d.instanceId)]);
    const latestId = latest?.id ?? 0;
    // Being on the target already is no sign that nova took it: nova is asked, and the record it makes
    // (or not) is the answer (an instance already there once came back "Migrated ... OK").
    const moving = now !== undefined && (now.status === 'MIGRATING' || now.taskState === 'migrating');
    taken = retried && (moving || latestId > (d.migrationIdBefore ?? 0));
    // Not taken: nothing newer than the mark exists, and a record made from here on lies above both.
    if (!taken) d = { ...d, migrationIdBefore: Math.max(d.migrationIdBefore ?? 0, latestId) };
  }
  let sentAt = Date.now();
  if (taken) log.info({ target: d.target }, 'an earlier attempt issued the live-migration; watching it');
  else {
    d = { ...d, phase: 'issuing' };
    await job.updateData(d);
    log.info({ target: d.target }, 'issuing live-migration');
    const refusal = await sendLiveMigration(deps, d, retried);
    if (refusal) return { ok: false, refused: refusal };
    sentAt = Date.now();
  }
  d = { ...d, phase: 'issued', issuedAt: d.issuedAt ?? sentAt };
  await job.updateData(d);
  return { ok: true, data: d };
}

/** Statuses after which nova no longer changes a migration record. */
const FINAL = new Set(['completed', 'error', 'failed', 'cancelled', 'done']);
/** nova no longer changes a migration record in this status. */
export const isFinalMigrationStatus = (status: string) => FINAL.has(status);
/** How many more looks at the record, once the instance is no longer busy: nova marks it completed a little after the instance turns ACTIVE. */
const RECORD_SETTLE_TRIES = 10;

/**
 * The record of this request once nova has finished with it (or as it last stood, when it does not finish in time).
 * `seen`: the record as asked together with the look that saw the end, when that look asked.
 */
async function finalMigration(deps: MigrationDeps, d: MigrationJobData, seen?: { record: Migration | undefined }): Promise<Migration | undefined> {
  let record = seen ? seen.record : await newerMigration(deps, d);
  for (let i = 0; record && !FINAL.has(record.status) && i < RECORD_SETTLE_TRIES; i++) {
    await sleep(d.pollIntervalMs);
    record = await newerMigration(deps, d);
  }
  return record;
}

/** The record says this move: from the host the instance was on, to the target, completed. */
function isTheMove(d: MigrationJobData, m: Migration): boolean {
  return m.status === 'completed' && m.sourceCompute === d.source && m.destCompute === d.target;
}

/**
 * Calls `nova live-migration` once. Returns the failed result when nova refused
 * (400/409: nothing started); undefined when it was accepted, or, on a retried attempt,
 * when a 409 says the instance is migrating (an earlier call of ours started it).
 * Without nova's answer (SSH dropped, timed out) it throws: whether it started is
 * unknown, and the retry's check decides.
 */
async function sendLiveMigration(deps: MigrationDeps, d: MigrationJobData, retried: boolean): Promise<MigrationResult | undefined> {
  const { nova } = deps.cluster;
  try {
    await nova.liveMigrate(d.instanceId, d.target);
    return undefined;
  } catch (err) {
    if (!(err instanceof ClusterError) && !(err instanceof NotFoundError)) throw err;
    // On a first attempt no earlier call of ours exists: a migration already running is someone else's, and nova refused this one.
    const now = await nova.show(d.instanceId, { minimal: true });
    if (retried && err instanceof ClusterError && err.kind === 'Conflict' && (now.status === 'MIGRATING' || now.taskState === 'migrating')) return undefined;
    return failed(deps, d, err.message, now);
  }
}

/** After the last attempt failed (ferry could not follow it): free the instance and say so. */
export async function migrationJobFailed(job: Job<MigrationJobData>, err: Error, deps: Pick<MigrationDeps, 'jobs' | 'notifier'>): Promise<void> {
  const d = job.data;
  await releaseLock(deps.jobs.redis, lockKey('instance', d.instanceId), String(job.id));
  await deps.notifier.update(
    d.message,
    withOverride(d, report({ title: `Migration of ${d.instanceName} to ${d.target}: ferry lost track`, verdict: 'FAIL', reasons: [err.message], notes: [`Check it by hand: /nova show ${d.instanceName}`], requestedBy: d.requestedBy })),
  );
  await replyJobEnd(deps, endOf(job, 'UNKNOWN', `ferry lost track: ${err.message}`));
}

// stuck: still migrating when ferry stopped watching, so how it ends is not known.
const END_VERDICT: Record<MigrationOutcome, JobEndVerdict> = { completed: 'OK', warning: 'WARN', failed: 'FAIL', stuck: 'UNKNOWN' };

const endOf = (job: Job<MigrationJobData>, verdict: JobEndVerdict, detail: string) => jobEnd(QUEUE.migrate, job, `migration of ${job.data.instanceName} to ${job.data.target}`, verdict, detail);

const elapsed = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

function stateRows(d: MigrationJobData, now: Server): string[][] {
  return [
    ['status', d.before.status, now.status],
    ['task_state', d.before.taskState ?? 'None', now.taskState ?? 'None'],
    ['host', d.before.host ?? '-', now.host ?? '-'],
    ['power state', d.before.powerState, now.powerState],
  ];
}

function progressReport(d: MigrationJobData, now: Server, started: number, m: Migration[]): Report {
  const rows = stateRows(d, now);
  // Where nova reports them, the bytes copied so far; not every driver or microversion does.
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

/** nova recorded this move completed and the instance is on the target: check the rest instead of assuming. */
async function verify(deps: MigrationDeps, d: MigrationJobData, after: Server, started: number, record: Migration): Promise<MigrationResult> {
  const { config } = deps.cluster;
  const misses: string[] = [];
  if (after.status !== 'ACTIVE') misses.push(`status is ${after.status}, not ACTIVE`);
  if (after.powerState !== 'Running') misses.push(`power state is ${after.powerState}, not Running`);
  if (after.taskState !== null) misses.push(`task_state is ${after.taskState}, not None`);
  const healAfter = await pendingHeal(deps.cluster, d.target).catch(() => null);
  if (healAfter === null) misses.push('heal state unknown after the move');
  else if (d.healBefore !== null && healAfter > d.healBefore) misses.push(`${healAfter - d.healBefore} new entries pending heal on ${config.gluster.volume}`);
  const verdict: Verdict = misses.length ? 'WARN' : 'OK';
  const r = report({
    title: `Migrated ${d.instanceName} to ${d.target}`,
    verdict,
    reasons: misses.length ? misses : [`${d.instanceName} is ACTIVE and Running on ${after.host}, after ${elapsed(started)}`],
    tables: [{ title: 'Before / after', columns: ['Field', 'Before', 'After'], rows: [...stateRows(d, after), ['hypervisor', '-', after.hypervisorHostname ?? '-'], ['migration record', '', `${record.id} ${record.status}`]] }],
  });
  return { outcome: misses.length ? 'warning' : 'completed', report: r, host: after.host };
}

/** The sum of entries pending heal over the volume's bricks, asked of `node`. */
export async function pendingHeal(cluster: Cluster, node: string): Promise<number> {
  const entries = await cluster.gluster.healSummary(node, cluster.config.gluster.volume);
  return entries.reduce((n, e) => n + (e.pending ?? 0), 0);
}

/**
 * The move did not happen as asked: nova refused it, recorded it failed, recorded none, or
 * recorded another move. Find out why from nova (the action's events) and say what to do.
 * @param record nova's record of this request (null: none newer than before it; undefined: not looked up)
 */
async function failed(deps: MigrationDeps, d: MigrationJobData, refusal: string | undefined, now: Server, record?: Migration | null): Promise<MigrationResult> {
  const { nova } = deps.cluster;
  let cause = refusal;
  if (!cause) {
    const fault = now.fields.find(([k]) => k === 'fault')?.[1];
    const actions = await nova.actions(d.instanceId).catch(() => []);
    const action = actions.filter((a) => a.action === 'live-migration').at(-1);
    // The action's message is only "Error"; nova keeps the error itself in the action's events.
    const events = action ? await nova.actionEvents(d.instanceId, action.requestId).catch(() => []) : [];
    const detail = events.map((e) => e.details).filter(Boolean).at(-1);
    const what = !record
      ? `nova accepted the request but recorded no migration for it (no migration newer than ${d.migrationIdBefore ?? 0}); ${d.instanceName} is on ${now.host ?? 'an unknown host'}`
      : record.status === 'completed'
        ? `migration ${record.id} completed from ${record.sourceCompute ?? '?'} to ${record.destCompute ?? '?'}, not from ${d.source || '?'} to ${d.target}; ${d.instanceName} is on ${now.host ?? 'an unknown host'}`
        : record.status === 'cancelled'
          ? `migration ${record.id} was aborted (nova recorded it cancelled); ${d.instanceName} did not move: it is ${now.status} on ${now.host ?? 'an unknown host'}`
          : `migration ${record.id} ${record.status}`;
    // Without a record nothing ties an action to this request: name the newest with its start time.
    const why = !record
      ? action ? `newest live-migration action ${action.requestId} (started ${action.startTime ?? '?'}): ${detail ?? action.message ?? 'no error recorded'}` : 'nova lists no live-migration action for it'
      : record.status === 'completed' ? undefined : detail ?? fault ?? (action?.message ? `instance action: ${action.message}` : undefined);
    cause = [why, what].filter(Boolean).join('; ');
  }
  const r = report({
    title: `Migration of ${d.instanceName} to ${d.target} ${record?.status === 'cancelled' ? 'was aborted' : 'failed'}`,
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
