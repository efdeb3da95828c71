/**
 * The composition root: the one place where a ferry process is assembled —
 * runtime (SSH, cluster, audit, Redis, jobs), the command catalog, the dispatcher's
 * dependencies, the jobs' notifier, the workers and the approval decision.
 * serve, worker, run, approve, demo and the test harnesses all start here, so
 * the tests exercise serve's own wiring.
 *
 * What only some paths need is imported when first used: `ferry run "/ferry help"`
 * loads neither bullmq's workers nor the Slack client.
 */
import type { Config, Role } from './config.js';
import type { Logger } from './log.js';
import type { Audit } from './audit.js';
import type { Report } from './report.js';
import type { DispatchDeps } from './dispatch.js';
import { createRuntime, type Runtime } from './runtime.js';
import { roleOf } from './policy.js';
import { commands, executors } from '../commands/index.js';
import { lazyNotifier, type Notifier } from './jobs/notifier.js';
import type { Workers } from './jobs/workers.js';

/** What decides an approval: the Approve / Reject buttons and `ferry approve`. */
export interface ApprovalDecision {
  approvalId: string;
  decision: 'approve' | 'reject';
  userId: string;
  role: Role | null;
  channel: string;
}

export interface Ferry extends Runtime {
  /** The jobs' and commands' way to Slack; a process without a bot token shows nothing beyond a job's own progress. */
  notifier: Notifier;
  /** The dispatcher's dependencies; a surface may say how it resolves roles (Slack: user groups too) and counts outcomes. */
  dispatchDeps(over?: Partial<Pick<DispatchDeps, 'resolveRole' | 'onOutcome'>>): DispatchDeps;
  /** Job messages go through this notifier from now on (the Slack app's, with its pacing and metrics). */
  notifyThrough(notifier: Notifier): void;
  /** The migration, evacuation and bootstrap workers on this process's Redis. */
  startWorkers(): Promise<Workers>;
  /** Decides an approval and starts the approved work; `audit` replaces the runtime's (the terminal names its OS user). */
  decideApproval(args: ApprovalDecision, audit?: Audit): Promise<Report>;
}

/**
 * Builds a ferry process. `redis` as for createRuntime: opened without requiring it to
 * answer (read commands go on during an outage). Roles default to ferry.yml's.
 */
export async function createFerry(config: Config, log: Logger, opts: { redis: boolean }): Promise<Ferry> {
  const rt = await createRuntime(config, log, opts);
  let current: Notifier = lazyNotifier(async () => (await import('./slack/slack-notifier.js')).createNotifier(config, log));
  const notifier: Notifier = {
    update: (message, report) => current.update(message, report),
    post: (channel, report) => current.post(channel, report),
    reply: (message, line) => current.reply(message, line),
  };
  const desk = rt.jobs && (await import('./jobs/redis-job-desk.js')).jobDesk(rt.jobs);
  const withJobs = () => {
    if (!rt.jobs) throw new Error('this ferry process has no Redis (set REDIS_URL or redis.url in ferry.yml)');
    return { ...rt, jobs: rt.jobs };
  };
  return {
    ...rt,
    notifier,
    dispatchDeps: (over = {}) => ({
      commands,
      config,
      cluster: rt.cluster,
      ...(desk ? { jobs: desk } : {}),
      audit: rt.audit,
      log,
      notifier,
      resolveRole: async (id) => roleOf(config, id),
      ...over,
    }),
    notifyThrough(n) {
      current = n;
    },
    async startWorkers() {
      return (await import('./jobs/workers.js')).startWorkers(withJobs(), notifier);
    },
    async decideApproval(args, audit = rt.audit) {
      const { handleApproval } = await import('./jobs/approval-actions.js');
      return handleApproval({ rt: withJobs(), notifier, audit }, executors, args);
    },
  };
}
