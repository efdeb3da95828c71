/**
 * The messages between the thread that acks Slack's requests (app.ts, answer-thread.ts)
 * and the thread that does the work (answer-worker.ts). Everything here is plain data:
 * it crosses the threads by structured clone.
 */
import type { Config } from '../config.js';
import type { ExecObservation } from '../ssh/types.js';
import type { HeldBody } from './slack-request.js';

/** What the work thread is started with. */
export interface AnswerWorkerData {
  config: Config;
  /** Start the migration, evacuation and bootstrap workers too (serve without --no-worker). */
  jobWorkers: boolean;
}

/** One slash line to run for one user (a slash command, or a button that offers a line), as Bolt's listener hands it to the answers. */
export interface LineRequest {
  line: string;
  userId: string;
  channelId: string;
  channelName: string;
  requestId: string;
  dedupKey: string;
  responseUrl: string;
}

/** An Approve / Reject press. */
export interface ApprovalRequest {
  approvalId: string;
  decision: 'approve' | 'reject';
  userId: string;
  channel: string;
  dedupKey: string;
  responseUrl: string;
}

/** A question the acking thread asks the work thread (readiness, metrics at scrape time). */
export type Question = { what: 'redis-ready' } | { what: 'flush' } | { what: 'job-counts'; queue: string; states: string[] };

/** One acked Slack request, as the acking thread hands it over for Bolt to route. */
export interface DeliveredRequest {
  /** A slash command's form as Slack sent it, or the parsed body of anything else. */
  body: HeldBody;
  retryNum?: number;
  retryReason?: string;
}

/** Acking thread → work thread: an acked Slack request for Bolt to route, or a question. */
export type ToWorker =
  | { type: 'request'; id: number; req: DeliveredRequest }
  | { type: 'ask'; id: number; question: Question }
  | { type: 'stop' };

/** A metric counted in the work thread, applied to the acking thread's registry. */
export type MetricEvent = { kind: 'command'; name: string; outcome: string } | { kind: 'ssh'; observation: ExecObservation } | { kind: 'slack-error'; method: string; error: string };

/** Work thread → acking thread. */
export type FromWorker =
  | { type: 'ready'; jobs: boolean }
  | { type: 'failed-to-start'; message: string }
  | { type: 'done'; id: number }
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'metrics'; events: MetricEvent[] }
  | { type: 'stopped' };
