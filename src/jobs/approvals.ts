/**
 * Approval requests: a plan waiting in Redis for a second person. The first
 * decision wins (a double click approves once), the requester cannot approve
 * their own request, only an approver can, and a request expires after the TTL.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ApprovalDecision, ApprovalRequest, DecideResult } from './approval-types.js';
import type { MessageRef } from './notifier.js';
import type { Role } from '../config.js';
import { hasRole } from '../policy.js';
import { announceChange } from './changes.js';
import { user } from '../mention.js';


const key = (id: string) => `ferry:approval:${id}`;
const decisionKey = (id: string) => `ferry:approval:${id}:decision`;
/** Requests and decisions stay readable this long after they expire, for `status` and the audit. */
const KEEP_SECONDS = 7 * 86400;
/** Ids of undecided requests, scored by when they expire (the App Home lists them). */
const PENDING = 'ferry:approvals:pending';

export async function createApproval<P>(redis: Redis, req: Omit<ApprovalRequest<P>, 'id' | 'createdAt' | 'expiresAt'>, ttlSeconds: number): Promise<ApprovalRequest<P>> {
  const now = Date.now();
  const full: ApprovalRequest<P> = { ...req, id: randomUUID().slice(0, 8), createdAt: new Date(now).toISOString(), expiresAt: new Date(now + ttlSeconds * 1000).toISOString() };
  await redis.set(key(full.id), JSON.stringify(full), 'EX', ttlSeconds + KEEP_SECONDS);
  await redis.zadd(PENDING, Date.parse(full.expiresAt), full.id);
  await announceChange(redis, 'approval');
  return full;
}

export async function getApproval<P>(redis: Redis, id: string): Promise<{ request: ApprovalRequest<P>; decision: ApprovalDecision | null } | null> {
  const [raw, dec] = await redis.mget(key(id), decisionKey(id));
  if (!raw) return null;
  return { request: JSON.parse(raw) as ApprovalRequest<P>, decision: dec ? (JSON.parse(dec) as ApprovalDecision) : null };
}

/** Records the message that shows the request (its buttons), once it is posted. */
export async function setApprovalMessage(redis: Redis, id: string, message: MessageRef): Promise<void> {
  const found = await getApproval(redis, id);
  if (!found) return;
  await redis.set(key(id), JSON.stringify({ ...found.request, message }), 'KEEPTTL');
}

/**
 * Decides a request for `userId` holding `role`. Approving needs the approver
 * role and another person than the requester; rejecting is open to the
 * requester (withdrawing) and to approvers. Only the first decision counts.
 */
export async function decideApproval<P>(redis: Redis, id: string, userId: string, role: Role | null, decision: 'approve' | 'reject', now = Date.now()): Promise<DecideResult<P>> {
  const found = await getApproval<P>(redis, id);
  if (!found) return { ok: false, reason: `no approval request ${id}` };
  const { request } = found;
  if (found.decision) {
    const d = found.decision;
    return { ok: false, reason: `already ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${user(d.by)} at ${d.at}`, request };
  }
  if (now > Date.parse(request.expiresAt)) return { ok: false, reason: `this request expired at ${request.expiresAt}; ask again`, request, expired: true };
  if (decision === 'approve') {
    if (userId === request.requestedBy) return { ok: false, reason: 'you cannot approve your own request: another approver must', request };
    if (!hasRole(role, 'approver')) return { ok: false, reason: `approving needs the approver role; you have ${role ?? 'no role'}`, request };
  } else if (userId !== request.requestedBy && !hasRole(role, 'approver')) {
    return { ok: false, reason: `rejecting needs the approver role (or being the requester); you have ${role ?? 'no role'}`, request };
  }
  const d: ApprovalDecision = { decision, by: userId, at: new Date(now).toISOString() };
  const won = await redis.set(decisionKey(id), JSON.stringify(d), 'EX', KEEP_SECONDS, 'NX');
  if (won !== 'OK') {
    const other = (await getApproval<P>(redis, id))?.decision;
    return { ok: false, reason: `already ${other?.decision === 'approve' ? 'approved' : 'rejected'} by ${user(other?.by)}`, request };
  }
  await redis.zrem(PENDING, id);
  await announceChange(redis, 'approval');
  return { ok: true, request, decision: d };
}

/**
 * Takes a decision back, when what it approved could not be started (the
 * executor failed before queueing anything): the request can be approved again.
 */
export async function withdrawDecision(redis: Redis, id: string): Promise<void> {
  await redis.del(decisionKey(id));
  const found = await getApproval(redis, id);
  if (found) await redis.zadd(PENDING, Date.parse(found.request.expiresAt), id);
  await announceChange(redis, 'approval');
}

/** The requests waiting for a decision now, the soonest to expire first. */
export async function pendingApprovals(redis: Redis, now = Date.now()): Promise<ApprovalRequest[]> {
  await redis.zremrangebyscore(PENDING, '-inf', now);
  const ids = await redis.zrange(PENDING, 0, -1);
  const found = await Promise.all(ids.map((id) => getApproval(redis, id)));
  return found.filter((f) => f !== null && !f.decision).map((f) => f!.request);
}
