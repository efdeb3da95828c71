/**
 * When the migration watch looks at nova. Each look costs seconds on a real control
 * node (a CLI call), so looks come every poll interval at most, and the end of the copy
 * would otherwise be seen up to a whole look late. Where nova reports how much memory
 * has been copied, the watch estimates when the copy ends and times one look to see
 * the instance just after it, asking for the migration record in the same breath.
 */
import type { Migration } from '../cluster/nova-types.js';

/** How often the watch asks nova for the bytes copied so far (server-migration-list). */
export const PROGRESS_EVERY_MS = 10_000;

/** How long after the estimated end the aimed look should see nova: room for the estimate's error. */
export const AIM_AFTER_MS = 200;

/**
 * When, on ferry's clock, the memory copy should end: the rate so far (bytes copied since
 * `startedAt`, seen at `sampledAt`) applied to what is left. undefined while nova reports
 * no progress (some drivers never do, a queued migration has copied nothing yet).
 */
export function copyEndEstimate(startedAt: number, sampledAt: number, running: Migration[]): number | undefined {
  const memory = running[0]?.memory;
  if (!memory || memory.processedBytes === null || memory.processedBytes <= 0 || sampledAt <= startedAt) return undefined;
  const left = memory.remainingBytes ?? (memory.totalBytes === null ? null : memory.totalBytes - memory.processedBytes);
  if (left === null || left < 0) return undefined;
  return sampledAt + (left * (sampledAt - startedAt)) / memory.processedBytes;
}

export interface NextLook {
  /** When to start it. */
  at: number;
  /** true: timed to see the end of the copy (ask for the migration record with it). */
  aimed: boolean;
}

/**
 * The next look: on the usual beat (`dueAt`, one poll interval after the last), unless
 * a look started at `aimAt` (the estimated end, less the time a call takes to reach nova)
 * is still ahead and comes before the look after next would. Moving one look there costs
 * no extra call and sees the end within AIM_AFTER_MS instead of up to a poll interval late.
 */
export function nextLook(now: number, dueAt: number, intervalMs: number, aimAt: number | undefined): NextLook {
  const due = Math.max(now, dueAt);
  if (aimAt !== undefined && aimAt >= now && aimAt < due + intervalMs) return { at: aimAt, aimed: true };
  return { at: due, aimed: false };
}

/**
 * Whether a look should ask for the copy progress too: every PROGRESS_EVERY_MS, and once
 * more when the estimated end is near (its answer comes back before the aimed look starts):
 * a figure taken late in the copy puts the aim closest to the end.
 */
export function progressDue(now: number, askedAt: number, copyEnd: number | undefined, callMs: number, intervalMs: number): boolean {
  if (now - askedAt >= PROGRESS_EVERY_MS) return true;
  if (copyEnd === undefined) return false;
  const near = copyEnd - intervalMs - 2 * callMs;
  return now >= near && askedAt < near;
}

/**
 * Whether a look should ask for the migration record too, so that the look which sees the
 * instance done brings the evidence with it: the aimed look, and any look that reaches nova
 * (`sampleAt`) less than a poll interval before the estimated end or after it.
 */
export function asksRecord(aimed: boolean, sampleAt: number, copyEnd: number | undefined, intervalMs: number): boolean {
  return aimed || (copyEnd !== undefined && sampleAt >= copyEnd - intervalMs);
}
