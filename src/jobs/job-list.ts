/**
 * What is running, and what ran lately: migrations, evacuations and bootstraps
 * as BullMQ has them in Redis, each with the job's own verdict (the report it
 * ended with), not only BullMQ's state. `/ferry jobs`, `/migrate status` and the
 * App Home read them from here.
 */
import type { Job, JobType } from 'bullmq';
import { report, type Report, type Table } from '../report.js';
import { QUEUE, type Jobs, type QueueName } from './jobs.js';
import { cancelKey, type EvacuationJobData } from './evacuation.js';
import type { MigrationJobData } from './migration.js';
import type { BootstrapJobData } from './bootstrap.js';
import { user } from '../mention.js';

/** waiting/running while BullMQ has it; then the verdict the job ended with; unknown when ferry lost track of it. */
export type JobState = 'waiting' | 'running' | 'OK' | 'WARN' | 'FAIL' | 'cancelled' | 'unknown';

/** One job as people see it. Times are ms since the epoch. */
export interface JobEntry {
  id: string;
  queue: QueueName;
  /** e.g. `migrate cirros1 → compute02`. */
  what: string;
  requestedBy: string;
  approvedBy?: string;
  state: JobState;
  /** When it was queued (asked, or approved). */
  queuedAt: number;
  finishedAt?: number;
  /** The report it ended with, or its latest progress; undefined while it waits. */
  lastReport?: Report;
}

/** BullMQ's states of a job that has not ended, and of one that has. */
const LIVE: JobType[] = ['active', 'waiting', 'waiting-children', 'prioritized', 'delayed', 'paused'];
const ENDED: JobType[] = ['completed', 'failed'];
const TYPES = { all: [...LIVE, ...ENDED], live: LIVE, ended: ENDED };
const QUEUES: QueueName[] = [QUEUE.migrate, QUEUE.evacuate, QUEUE.bootstrap];
/** An evacuation's migrations are shown by the evacuation (`/evacuate status`), not one by one. */
export const isEvacuationChild = (queue: QueueName, id: string) => queue === QUEUE.migrate && id.startsWith('evac-');

/** The newest `limit` jobs (all, or only those not ended, or only ended ones), newest first, and how many there are in all. */
export async function listJobs(jobs: Jobs, limit: number, which: keyof typeof TYPES = 'all'): Promise<{ entries: JobEntry[]; total: number }> {
  const ids = (await Promise.all(QUEUES.map(async (queue) => (await jobs.queue(queue).getRanges(TYPES[which], 0, -1)).filter((id) => !isEvacuationChild(queue, id)).map((id) => ({ queue, id }))))).flat();
  // Ordered by when each was queued: BullMQ keeps it in the job's hash (job.timestamp), read for all in one round trip.
  const pipeline = jobs.redis.pipeline();
  for (const { queue, id } of ids) pipeline.hget(jobs.queue(queue).toKey(id), 'timestamp');
  const stamps = (await pipeline.exec()) ?? [];
  const sorted = ids.map((x, i) => ({ ...x, at: Number(stamps[i]?.[1] ?? 0) })).sort((a, b) => b.at - a.at);
  const entries = await Promise.all(sorted.slice(0, limit).map(({ queue, id }) => readJob(jobs, queue, id)));
  // A job removed between the listing and the read is gone from the list too.
  return { entries: entries.filter((e): e is JobEntry => e !== undefined), total: sorted.length };
}

/** One job, or undefined when Redis has no such job. */
export async function readJob(jobs: Jobs, queue: QueueName, id: string): Promise<JobEntry | undefined> {
  const q = jobs.queue(queue);
  // State first: a job read before it completed would have no return value yet.
  const bull = await q.getJobState(id);
  const job = bull === 'unknown' ? undefined : await q.getJob(id);
  if (!job?.data) return undefined;
  const ended = bull === 'completed' ? (job.returnvalue as { report?: Report } | null)?.report : undefined;
  const progress = typeof job.progress === 'object' && job.progress !== null && 'title' in job.progress ? (job.progress as unknown as Report) : undefined;
  let state: JobState = bull === 'active' ? 'running' : bull === 'completed' ? verdictState(ended) : bull === 'failed' ? 'unknown' : 'waiting';
  if (queue === QUEUE.evacuate && (state === 'OK' || state === 'WARN' || state === 'FAIL') && (await jobs.redis.exists(cancelKey((job.data as EvacuationJobData).evacId)))) state = 'cancelled';
  const lastReport =
    bull === 'failed'
      ? report({ title: 'ferry lost track of this job', verdict: 'FAIL', reasons: [job.failedReason || 'no reason recorded'], notes: ['Check the cluster by hand before asking again.'] })
      : (ended ?? progress);
  return { id, queue, ...describe(queue, job), state, queuedAt: job.timestamp, finishedAt: job.finishedOn, lastReport: lastReport && { ...lastReport, jobId: id } };
}

function verdictState(r: Report | undefined): JobState {
  return r && r.verdict !== 'INFO' ? r.verdict : 'unknown';
}

function describe(queue: QueueName, job: Job): Pick<JobEntry, 'what' | 'requestedBy' | 'approvedBy'> {
  if (queue === QUEUE.migrate) {
    const d = job.data as MigrationJobData;
    return { what: `migrate ${d.instanceName} → ${d.target}`, requestedBy: d.requestedBy };
  }
  if (queue === QUEUE.evacuate) {
    const d = job.data as EvacuationJobData;
    return { what: `evacuate ${d.plan.host} (${d.plan.moves.length} instances)`, requestedBy: d.requestedBy, approvedBy: d.approvedBy };
  }
  const d = job.data as BootstrapJobData;
  return { what: `bootstrap ${d.spec.volume} on ${d.spec.nodes.map((n) => n.name).join(', ')}`, requestedBy: d.requestedBy, approvedBy: d.approvedBy };
}

/** Whether the job has not ended yet. */
export const isLive = (e: JobEntry) => e.state === 'waiting' || e.state === 'running';

/** `2026-11-28 04:01:02` (UTC). */
export const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** `42 s`, `3 min 12 s`, `2 h 5 min`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const mention = (id: string | undefined) => (id ? user(id) : '-');

/** How long it ran (until now, while it runs). */
export const tookOf = (e: JobEntry, now: number) => duration((e.finishedAt ?? now) - e.queuedAt);

/** The jobs as one table, newest first. */
export function jobsTable(entries: JobEntry[], now: number): Table {
  return {
    title: 'Jobs, newest first',
    columns: ['Job', 'What', 'Asked by', 'Approved by', 'State', 'Started (UTC)', 'Duration'],
    rows: entries.map((e) => [e.id, e.what, mention(e.requestedBy), mention(e.approvedBy), e.state, utc(e.queuedAt), tookOf(e, now)]),
  };
}

/** One line about a job, for the App Home and `/migrate status`. */
export function jobLine(e: JobEntry, now: number): string {
  const approved = e.approvedBy ? `, approved by ${mention(e.approvedBy)}` : '';
  return `${e.state} · ${e.what} · asked by ${mention(e.requestedBy)}${approved} · started ${utc(e.queuedAt)} UTC · ${tookOf(e, now)}`;
}
