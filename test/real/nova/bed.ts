/**
 * The real nova bed (.ci/real-nova/bed.sh): Debian 12's OpenStack Zed control plane on 127.0.0.1
 * behind an sshd, three fake live-migrating nova-compute, and the real gluster bed's nodes as the
 * compute nodes ferry SSHes to. ferry runs in this process as `ferry run` and `ferry approve` do
 * (dispatcher, a real Redis, BullMQ workers); the truth comes from the openstack CLI run directly
 * (JSON output, not ferry's parsers).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile, type Config } from '../../../src/config.js';
import { createRuntime, type Runtime } from '../../../src/runtime.js';
import { dispatch } from '../../../src/dispatch.js';
import { roleOf } from '../../../src/policy.js';
import { createNotifier } from '../../../src/jobs/notifier.js';
import { startWorkers, type Workers } from '../../../src/jobs/workers.js';
import { handleApproval } from '../../../src/jobs/approval-actions.js';
import { executors } from '../../../commands/index.js';
import { waitForJob } from '../../../src/cli/wait-job.js';
import { commands } from '../../../commands/index.js';
import type { Report } from '../../../src/report.js';
import { startRedis, type TestRedis } from '../../support/redis.js';

const run = promisify(execFile);
const BED_SH = fileURLToPath(new URL('../../../.ci/real-nova/bed.sh', import.meta.url));
const OPENRC = '/var/tmp/ferry-real-nova/openrc';

/** A ferry answer: the report, with a job's final report when the command queued one. */
export interface Answer {
  report: Report;
  table(title: string): string[][];
}

export interface NovaBed {
  config: Config;
  upSeconds: number;
  /** Runs one slash line through ferry's dispatcher as `user`; waits for the job it queued, if any. */
  ferry(line: string, user?: string): Promise<Answer>;
  /** Approves a request as `user` (the Approve button) and waits for the job it started. */
  approve(id: string, user: string): Promise<Answer>;
  stop(): Promise<void>;
}

const answer = (report: Report): Answer => ({ report, table: (t) => report.tables.find((x) => x.title === t)?.rows ?? [] });

/** Runs `bed.sh ARGS`; throws with its stderr on a non-zero exit. */
export async function bedSh(args: string[], timeoutMs = 900_000): Promise<string> {
  const { stdout } = await run('bash', [BED_SH, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout;
}

/** `openstack ARGS -f json` with the bed's admin credentials, run directly (not through ferry). */
export async function openstack<T = any>(args: string[]): Promise<T> {
  const { stdout } = await run('bash', ['-c', `. ${OPENRC} && exec openstack "$@" -f json`, 'openstack', ...args], { timeout: 300_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as T;
}

/** `openstack ARGS` for commands that print nothing (e.g. `compute service set`); throws on a non-zero exit. */
export async function openstackSet(args: string[]): Promise<void> {
  await run('bash', ['-c', `. ${OPENRC} && exec openstack "$@"`, 'openstack', ...args], { timeout: 300_000 });
}

/** `nova ARGS` with the bed's admin credentials (for what openstack cannot do, e.g. boot with --nic none). */
export async function nova(args: string[]): Promise<string> {
  const { stdout } = await run('bash', ['-c', `. ${OPENRC} && exec nova "$@"`, 'nova', ...args], { timeout: 300_000, maxBuffer: 16 << 20 });
  return stdout;
}

export async function startNovaBed(): Promise<NovaBed> {
  const started = performance.now();
  let redis: TestRedis | undefined;
  let rt: (Runtime & { jobs: NonNullable<Runtime['jobs']> }) | undefined;
  let workers: Workers | undefined;
  try {
    const [out, r] = await Promise.all([bedSh(['up']), startRedis()]);
    redis = r;
    const upSeconds = (performance.now() - started) / 1000;
    const config = loadConfigFile({ FERRY_CONFIG: out.trim().split('\n').pop()!, REDIS_URL: redis.url });
    const log = pino({ level: 'silent' });
    const base = await createRuntime(config, log, { redis: true });
    rt = { ...base, jobs: base.jobs! };
    const notifier = createNotifier(config, log);
    workers = startWorkers(rt, notifier);
    const follow = async (report: Report) => (report.job ? waitForJob(rt!.jobs, report.job.queue, report.job.id, () => {}) : report);
    return {
      config,
      upSeconds,
      async ferry(line, user = 'U_ADMIN') {
        const outcome = await dispatch(
          { line, userId: user, channel: 'cli' },
          { commands, config, cluster: rt!.cluster, jobs: rt!.jobs, audit: rt!.audit, log, resolveRole: async (id) => roleOf(config, id) },
        );
        return answer(await follow(outcome.report));
      },
      async approve(id, user) {
        const r = await handleApproval({ rt: rt!, notifier, audit: rt!.audit }, executors, { approvalId: id, decision: 'approve', userId: user, role: roleOf(config, user), channel: 'cli' });
        return answer(await follow(r));
      },
      async stop() {
        await workers?.close();
        await rt?.close();
        await redis?.stop();
        await bedSh(['down'], 180_000);
      },
    };
  } catch (err) {
    await workers?.close();
    await rt?.close();
    await redis?.stop();
    await bedSh(['down'], 180_000).catch(() => {});
    throw err;
  }
}
