/**
 * What approving `/gluster volume create` and `/gluster volume stop` does: run
 * the operation as shown (the payload), put gluster's answer in the request's
 * message, and audit the outcome. Both take seconds, so no job is queued.
 */
import type { ApprovalContext, Executor } from './approval-types.js';
import type { ApprovalRequest } from './approval-types.js';
import { runVolumeCreate, type VolumeCreatePayload } from '../cluster/volume-create.js';
import { runVolumeStop, type VolumeStopPayload } from '../cluster/volume-stop.js';
import { isTransportError, why } from '../cluster/storage-health.js';
import { report, type Report } from '../report.js';
import { outcomeOf } from '../audit.js';
import { user } from '../mention.js';

async function runApproved(request: ApprovalRequest, approvedBy: string, ctx: ApprovalContext, run: () => Promise<Report>): Promise<Report> {
  let r: Report;
  try {
    r = await run();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    r = report({ title: `${request.line}: not done`, verdict: 'FAIL', reasons: [isTransportError(e) ? why(e) : e.message] });
  }
  const done = { ...r, notes: [...r.notes, `Asked by ${user(request.requestedBy)}, approved by ${user(approvedBy)}.`] };
  await ctx.notifier.update(request.message, done);
  const outcome = outcomeOf(r.verdict);
  await ctx.audit.record({ user: request.requestedBy, channel: request.channel, command: request.kind, line: request.line, outcome, detail: `approved by ${approvedBy}: ${r.reasons[0] ?? r.title}` });
  return done;
}

/** Kind `gluster volume create`. */
export const executeVolumeCreate: Executor = (request, approvedBy, ctx) =>
  runApproved(request, approvedBy, ctx, () => runVolumeCreate(ctx.rt.cluster, request.payload as VolumeCreatePayload));

/** Kind `gluster volume stop`. */
export const executeVolumeStop: Executor = (request, approvedBy, ctx) =>
  runApproved(request, approvedBy, ctx, () => runVolumeStop(ctx.rt.cluster, request.payload as VolumeStopPayload));
