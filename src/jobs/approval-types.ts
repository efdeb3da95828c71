/**
 * The types an approval-gated command and its executor share: the request as
 * Redis keeps it, what an executor is given, and the executor itself. Types
 * only, so that src/command.ts can name them without importing the jobs.
 */
import type { Audit } from '../audit.js';
import type { Report } from '../report.js';
import type { Runtime } from '../runtime.js';
import type { Jobs } from './jobs.js';
import type { MessageRef, Notifier } from './notifier.js';

export interface ApprovalRequest<P = unknown> {
  id: string;
  /** What runs once approved: 'evacuate', 'gluster bootstrap', ... */
  kind: string;
  line: string;
  requestedBy: string;
  channel: string;
  message?: MessageRef;
  createdAt: string;
  expiresAt: string;
  /** Exactly what was shown to the approver (the plan). */
  payload: P;
}

/** Who decided a request, how, and when. */
export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  by: string;
  at: string;
}

/** A decision taken, or why it could not be. */
export type DecideResult<P> =
  | { ok: true; request: ApprovalRequest<P>; decision: ApprovalDecision }
  | { ok: false; reason: string; request?: ApprovalRequest<P>; expired?: boolean };

export interface ApprovalContext {
  rt: Runtime & { jobs: Jobs };
  notifier: Notifier;
  audit: Audit;
}

/** Starts the approved work; returns what the approver sees. */
export type Executor = (request: ApprovalRequest, approvedBy: string, ctx: ApprovalContext) => Promise<Report>;
