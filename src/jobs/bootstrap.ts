/**
 * The approved bootstrap runbook as a durable BullMQ job. Every step is checked
 * again right before it runs, so a job taken back after a crash, or a second
 * run after a failure, goes on from where things are: done steps run nothing.
 * The first step that fails stops the run and says which and why.
 */
import type { Job } from 'bullmq';
import type { Cluster } from '../cluster/cluster.js';
import type { MessageRef } from './notifier.js';
import type { Logger } from '../log.js';
import type { Audit } from '../audit.js';
import type { Notifier } from './notifier.js';
import type { Executor } from './approval-types.js';
import type { ApprovalRequest } from './approval-types.js';
import { QUEUE, type Jobs } from './jobs.js';
import { acquireJobLock, releaseLock } from './locks.js';
import { approvedSteps, planTable } from '../cluster/bootstrap.js';
import type { BootstrapSpec, StepInfo } from '../cluster/bootstrap-types.js';
import { runStep, StepFailed } from '../cluster/bootstrap-steps.js';
import { collectStorageHealth, isTransportError, why } from '../cluster/storage-health.js';
import { report, type Report } from '../report.js';
import { jobEnd, replyJobEnd, type JobEndVerdict } from './job-end-reply.js';
import { user } from '../mention.js';

/**
 * What an approved bootstrap request carries: the spec the approver's plan was
 * built from. Only the spec is stored; the steps (and their argv) are built
 * from it again where they run, never read back from Redis.
 */
export interface BootstrapPayload {
  spec: BootstrapSpec;
}

export interface BootstrapJobData extends BootstrapPayload {
  line: string;
  requestedBy: string;
  approvedBy: string;
  channel: string;
  message?: MessageRef;
}

export interface BootstrapResult {
  outcome: 'completed' | 'failed';
  report: Report;
  /** The id of the step that stopped the run. */
  failedStep?: string;
}

type Outcome = 'pending' | 'running' | 'already' | 'ran' | 'failed';

export interface BootstrapDeps {
  cluster: Cluster;
  jobs: Jobs;
  notifier: Notifier;
  log: Logger;
  /** Where the run's outcome is recorded (who asked, who approved, which step stopped it). */
  audit?: Audit;
}

/** One bootstrap of a volume at a time: the lock names the running job. */
const volumeLock = (volume: string) => `ferry:lock:volume:${volume}`;

/** The approved plan's executor (kind `gluster bootstrap`): queues the job that runs it. */
export const executeBootstrap: Executor = async (request, approvedBy, ctx) => {
  const r = await startBootstrap(ctx.rt.cluster, ctx.rt.jobs, request as ApprovalRequest<BootstrapPayload>, approvedBy);
  await ctx.notifier.update(request.message, r);
  return r;
};

/**
 * Queues the run of an approved plan. The spec must still be one ferry.yml
 * would build: a ferry.yml changed in between refuses instead of running
 * something nobody saw (the worker checks it again before it runs anything).
 */
async function startBootstrap(cluster: Cluster, jobs: Jobs, request: Pick<ApprovalRequest<BootstrapPayload>, 'id' | 'line' | 'payload' | 'requestedBy' | 'channel' | 'message'>, approvedBy: string): Promise<Report> {
  const { spec } = request.payload;
  const title = `Bootstrap of ${spec.volume}`;
  let steps: StepInfo[];
  try {
    steps = approvedSteps(cluster.config, spec);
  } catch (err) {
    return report({ title: `${title} not started`, verdict: 'FAIL', reasons: [(err as Error).message] });
  }
  const jobId = `bootstrap-${request.id}`;
  const holder = await acquireJobLock(jobs, QUEUE.bootstrap, volumeLock(spec.volume), jobId);
  if (holder !== null) return report({ title: `${title} not started`, verdict: 'FAIL', reasons: [`a bootstrap of ${spec.volume} is already running (job ${holder})`] });
  const data: BootstrapJobData = { spec, line: request.line, requestedBy: request.requestedBy, approvedBy, channel: request.channel, message: request.message };
  // attempts 1: a failed step is for a person to look at; a crashed worker's job is taken back (stalled), not retried.
  await jobs.queue(QUEUE.bootstrap).add('bootstrap', data, { jobId, attempts: 1, removeOnComplete: { age: 7 * 86400 }, removeOnFail: { age: 30 * 86400 } });
  return {
    ...progressReport(spec, steps, steps.map(() => 'pending'), [], `approved by ${user(approvedBy)}; queued as job ${jobId}`),
    job: { id: jobId, queue: 'bootstrap' },
  };
}

/** The worker's side: every step in order, progress after each, the lock released at the end. */
export async function processBootstrap(job: Job<BootstrapJobData>, deps: BootstrapDeps): Promise<BootstrapResult> {
  const { spec, message } = job.data;
  const holder = await acquireJobLock(deps.jobs, QUEUE.bootstrap, volumeLock(spec.volume), String(job.id));
  if (holder !== null) throw new (await import('bullmq')).UnrecoverableError(`a bootstrap of ${spec.volume} is already running (job ${holder})`);
  try {
    // Built from the spec here, at run time: argv read back from Redis never runs.
    let steps: StepInfo[];
    try {
      steps = approvedSteps(deps.cluster.config, spec);
    } catch (err) {
      const r = report({ title: `Bootstrap of ${spec.volume} not run`, verdict: 'FAIL', reasons: [(err as Error).message] });
      await record(job, deps, 'fail', r.reasons[0]!);
      await deps.notifier.update(message, r);
      return { outcome: 'failed', report: r };
    }
    const outcomes: Outcome[] = steps.map(() => 'pending');
    const details: string[] = [];
    // Slack updates are paced (about one a second per message) and coalesced, newest wins:
    // steps do not wait for them, only the last report does.
    const show = async (r: Report, last = false) => {
      await job.updateProgress(r as unknown as object);
      const shown = deps.notifier.update(message, r);
      if (last) await shown;
    };
    for (const [i, step] of steps.entries()) {
      outcomes[i] = 'running';
      await show(progressReport(spec, steps, outcomes, details, `step ${i + 1}/${steps.length}: ${step.title}`));
      try {
        outcomes[i] = await runStep(deps.cluster, spec, step);
      } catch (err) {
        outcomes[i] = 'failed';
        details[i] = reason(err);
        deps.log.warn({ err, jobId: job.id, step: step.id }, 'bootstrap step failed');
        const r = failedReport(spec, steps, outcomes, details, i);
        await record(job, deps, 'fail', r.reasons[0]!);
        await show(r, true);
        await replyJobEnd(deps, endOf(job, 'FAIL', r.reasons[0]!));
        return { outcome: 'failed', report: r, failedStep: step.id };
      }
    }
    const r = await finalReport(deps.cluster, spec, steps, outcomes, details);
    await record(job, deps, r.verdict === 'OK' ? 'ok' : 'warn', r.reasons.join('; '));
    await show(r, true);
    await replyJobEnd(deps, endOf(job, r.verdict === 'OK' ? 'OK' : 'WARN', r.reasons.join('; ')));
    return { outcome: 'completed', report: r };
  } finally {
    await releaseLock(deps.jobs.redis, volumeLock(spec.volume), String(job.id));
  }
}

/** For the worker's `failed` event: the job threw (Redis gone, a bug); free the volume and say so. */
export async function bootstrapJobFailed(job: Job<BootstrapJobData>, err: Error, deps: Pick<BootstrapDeps, 'jobs' | 'notifier'>): Promise<void> {
  await releaseLock(deps.jobs.redis, volumeLock(job.data.spec.volume), String(job.id));
  await deps.notifier.update(job.data.message, report({ title: `Bootstrap of ${job.data.spec.volume}: ferry lost track`, verdict: 'FAIL', reasons: [err.message], notes: ['Run /gluster bootstrap --dry-run to see where the cluster is; a new run goes on from there.'] }));
  await replyJobEnd(deps, endOf(job, 'UNKNOWN', `ferry lost track: ${err.message}`));
}

const endOf = (job: Job<BootstrapJobData>, verdict: JobEndVerdict, detail: string) => jobEnd(QUEUE.bootstrap, job, `bootstrap of ${job.data.spec.volume}`, verdict, detail);

async function record(job: Job<BootstrapJobData>, deps: BootstrapDeps, outcome: 'ok' | 'warn' | 'fail', detail: string): Promise<void> {
  const d = job.data;
  await deps.audit?.record({ user: d.requestedBy, channel: d.channel, command: 'gluster bootstrap', line: d.line, outcome, detail: `job ${job.id}, approved by ${d.approvedBy}: ${detail}` }).catch((err: Error) => deps.log.error({ err }, 'audit write failed'));
}

function reason(err: unknown): string {
  if (err instanceof StepFailed) return err.message;
  const e = err instanceof Error ? err : new Error(String(err));
  return isTransportError(e) ? why(e) : e.message;
}

const LABEL: Record<Outcome, string> = { pending: 'pending', running: 'running…', already: 'already done', ran: 'done', failed: 'FAILED' };

function table(steps: StepInfo[], outcomes: Outcome[], details: string[]) {
  return planTable(steps.map((s, i) => ({ ...s, state: details[i] ? `${LABEL[outcomes[i]!]}: ${details[i]}` : LABEL[outcomes[i]!] })));
}

function progressReport(spec: BootstrapSpec, steps: StepInfo[], outcomes: Outcome[], details: string[], line: string): Report {
  return report({ title: `Bootstrapping ${spec.volume} on ${spec.nodes.map((n) => n.name).join(', ')}`, verdict: 'INFO', reasons: [line], tables: [table(steps, outcomes, details)] });
}

function failedReport(spec: BootstrapSpec, steps: StepInfo[], outcomes: Outcome[], details: string[], i: number): Report {
  return report({
    title: `Bootstrap of ${spec.volume} stopped at step ${i + 1}/${steps.length}`,
    verdict: 'FAIL',
    reasons: [`step ${i + 1} (${steps[i]!.title}): ${details[i]}`],
    tables: [table(steps, outcomes, details)],
    notes: [
      `Steps 1-${i} are done and stay done; nothing after step ${i + 1} was run.`,
      'Fix the cause, then run /gluster bootstrap again: it checks every step and goes on from where it stopped.',
    ],
  });
}

async function finalReport(cluster: Cluster, spec: BootstrapSpec, steps: StepInfo[], outcomes: Outcome[], details: string[]): Promise<Report> {
  const ran = outcomes.filter((o) => o === 'ran').length;
  const health = await collectStorageHealth(cluster, spec.volume);
  const [first, ...others] = spec.nodes;
  return report({
    title: `Bootstrap of ${spec.volume} done`,
    verdict: health.verdict === 'OK' ? 'OK' : 'WARN',
    reasons: [
      `${ran} steps ran, ${outcomes.length - ran} were already done`,
      `a file written through the mount on ${first!.name} was read on ${others.map((o) => o.name).join(', ')}`,
      ...(health.verdict === 'OK' ? ['/gluster status: OK'] : health.reasons.map((r) => `/gluster status ${r.level}: ${r.text}`)),
    ],
    tables: [table(steps, outcomes, details)],
  });
}
