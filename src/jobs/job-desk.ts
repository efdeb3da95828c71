/**
 * What a command may do with ferry's jobs: named reads and writes, with no
 * Redis or BullMQ handle in sight. Commands get this (ctx.jobs), never Jobs,
 * so that which keys and queues a command touches is decided in one place
 * (redis-job-desk.ts). The workers and the approval executors keep the raw Jobs.
 * Types only, apart from requireDesk, so that src/command.ts can name them.
 */
import type { Role } from '../config.js';
import type { StorageVerdict } from '../storage-verdicts.js';
import { RedisUnavailable } from '../redis.js';
import type { MessageRef, Notifier } from './notifier.js';
import type { ApprovalDecision, ApprovalRequest, DecideResult } from './approval-types.js';
import type { MigrationJobData } from './migration.js';
import type { EvacuationJobData, EvacuationResult } from './evacuation.js';
import type { EvacuationState } from './evacuation-state.js';
import type { JobEntry } from './job-list.js';

/** An evacuation job as a command sees it. */
export interface EvacuationRecord {
  /** BullMQ's state of the parent job: waiting, active, delayed, completed, failed, ... */
  state: string;
  data: EvacuationJobData;
  /** Set once it completed. */
  result?: EvacuationResult;
  /** Set once it failed. */
  failedReason?: string;
  /** Every planned move's state, read now. */
  moves(): Promise<EvacuationState>;
}

export interface JobDesk {
  /** Whether Redis answers right now (a dry run may go on without it; a job may not start). */
  ready(): boolean;
  /** Queues a migration under `jobId` (once: a second call with the same id is refused by AlreadyMigrating). */
  enqueueMigration(jobId: string, data: MigrationJobData): Promise<void>;
  /** One migration job, by id. */
  migration(id: string): Promise<JobEntry | undefined>;
  /** The newest `limit` jobs of every queue, and how many there are. */
  list(limit: number): Promise<{ entries: JobEntry[]; total: number }>;
  /** The id of the live evacuation of `host`, if any. */
  hostEvacuation(host: string): Promise<string | null>;
  /** The evacuation job of request `id`, once approved and queued. */
  evacuation(id: string): Promise<EvacuationRecord | undefined>;
  /** Asks a running evacuation to start no more migrations; false when it was asked already. */
  cancelEvacuation(id: string, by: string): Promise<boolean>;
  /** The newer request that replaced request `id` (the host's instances changed before approval), if any. */
  supersededBy(id: string): Promise<string | null>;
  /** An approval request and its decision. */
  approval<P>(id: string): Promise<{ request: ApprovalRequest<P>; decision: ApprovalDecision | null } | null>;
  /** Rejects or cancels a request not yet approved; its message loses its buttons through `notifier`. */
  refuseRequest(id: string, userId: string, role: Role | null, how: 'rejected' | 'cancelled', notifier: Notifier): Promise<DecideResult<unknown>>;
  /** Stores a new approval request. */
  createApproval<P>(req: Omit<ApprovalRequest<P>, 'id' | 'createdAt' | 'expiresAt'>, ttlSeconds: number): Promise<ApprovalRequest<P>>;
  /** Remembers where the request's message is, so the executor updates it. */
  setApprovalMessage(id: string, message: MessageRef): Promise<void>;
  /** Remembers a volume's storage verdict for the App Home; nothing when Redis does not answer. */
  recordStorageVerdict(v: StorageVerdict): Promise<void>;
}

/**
 * The desk of a command that needs Redis, checked before anything starts:
 * `missing` when this process has no Redis at all, RedisUnavailable when Redis
 * does not answer right now (a job is never left to start once Redis returns).
 */
export function requireDesk(desk: JobDesk | undefined, missing: string): JobDesk {
  if (!desk) throw new Error(missing);
  if (!desk.ready()) throw new RedisUnavailable();
  return desk;
}
