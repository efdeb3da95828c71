/**
 * The end of a job, told to the people who asked for it: progress is updated
 * in place, which notifies nobody, so when a migration, an evacuation or a
 * bootstrap ends ferry replies once in its message's thread, mentioning the
 * requester (and the approver) with the verdict in one line.
 */
import type { MessageRef } from './notifier.js';
import type { Logger } from '../log.js';
import type { Notifier } from './notifier.js';
import type { Jobs, QueueName } from './jobs.js';
import { user } from '../mention.js';

/** How a job ended, as the reply says it. */
export type JobEndVerdict = 'OK' | 'WARN' | 'FAIL' | 'CANCELLED' | 'UNKNOWN';

export interface JobEnd {
  queue: QueueName;
  jobId: string;
  /** The job's message; none (or a CLI one) means nobody to tell in Slack. */
  message?: MessageRef;
  requestedBy: string;
  approvedBy?: string;
  /** What ended, e.g. `evacuation of compute01`. */
  what: string;
  verdict: JobEndVerdict;
  /** One line of why, e.g. `2 of 5 moved, 3 not moved`. */
  detail: string;
}

/** A job's end from its data (its message, who asked, who approved). */
export function jobEnd(
  queue: QueueName,
  job: { id?: string; data: { message?: MessageRef; requestedBy: string; approvedBy?: string } },
  what: string,
  verdict: JobEndVerdict,
  detail: string,
): JobEnd {
  const { message, requestedBy, approvedBy } = job.data;
  return { queue, jobId: String(job.id), message, requestedBy, approvedBy, what, verdict, detail };
}

const toldKey = (queue: QueueName, jobId: string) => `ferry:job-end:${queue}:${jobId}`;
/** Longer than any finished job is kept (removeOnFail: 30 days). */
const KEEP_SECONDS = 31 * 86400;

/**
 * Replies once per job: a job run again after its end was told (a retry, a
 * worker that died before BullMQ recorded the end) finds the mark and says nothing.
 */
export async function replyJobEnd(deps: { jobs: Jobs; notifier: Notifier; log?: Logger }, end: JobEnd): Promise<void> {
  if (!end.message || end.message.channel === 'cli') return;
  try {
    const first = await deps.jobs.redis.set(toldKey(end.queue, end.jobId), '1', 'EX', KEEP_SECONDS, 'NX');
    if (first !== 'OK') return;
    await deps.notifier.reply(end.message, jobEndLine(end));
  } catch (err) {
    // The job's own outcome stands; only the notification is lost.
    deps.log?.warn({ err, jobId: end.jobId }, 'job end not told');
  }
}

/** `@U1 @U2 evacuation of compute01 ended: FAIL — 2 of 5 moved, 3 not moved` (mention tokens) */
export function jobEndLine(end: Pick<JobEnd, 'requestedBy' | 'approvedBy' | 'what' | 'verdict' | 'detail'>): string {
  const who = [...new Set([end.requestedBy, end.approvedBy].filter((u): u is string => Boolean(u)))].map((u) => user(u));
  return `${[...who, end.what].join(' ')} ended: ${end.verdict} — ${end.detail.replace(/\s+/g, ' ').trim()}`;
}
