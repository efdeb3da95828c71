/**
 * Benchmark 3, evacuation overhead: /evacuate of 50 instances off compute01
 * onto four other computes, 4 at a time (nova.conf's max_concurrent_live_migrations,
 * policy.migration.perHostConcurrency and --concurrency all 4), each live
 * migration taking 2 s in the lab. Wall time from the approval to the final
 * summary, against the ideal ceil(50 / 4) × 2 s. Through the same entry points
 * as `ferry demo`: dispatch, then handleApproval with the real executors.
 */
import { pino } from 'pino';
import { startLab, LAB_USERS } from '../../src/lab/lab.js';
import type { LabModelHandle } from '../../src/lab/model.js';
import { startRedis } from '../../src/lab/redis-server.js';
import { loadConfigFile, type Config } from '../../src/config.js';
import { createFerry } from '../../src/ferry.js';
import { dispatch } from '../../src/dispatch.js';
import { roleOf } from '../../src/policy.js';
import { startWorkers } from '../../src/jobs/workers.js';
import { handleApproval } from '../../src/jobs/approval-actions.js';
import { executors } from '../../commands/index.js';
import { waitForJob } from '../../src/cli/wait-job.js';
import { commands } from '../../commands/index.js';
import { heading, ms, note, ratio, table, tempDir, type Bench } from './support.js';

const INSTANCES = 50;
const CONCURRENCY = 4;
const MIGRATE_SECONDS = 2;
/** compute01 and four targets, so four migrations can each go to a different host. */
const COMPUTES = 5;
/** How often the evacuation and its migrations look at nova (ferry.yml's default is 2000 ms). */
const POLL_MS = 250;
const FINISH_TIMEOUT_MS = 240_000;

export const evacuation: Bench = {
  name: 'evacuation',
  async run() {
    heading(`evacuation: ${INSTANCES} instances off compute01, ${CONCURRENCY} at a time, ${MIGRATE_SECONDS} s per live migration`);
    const tmp = await tempDir('evac');
    const [lab, redis] = await Promise.all([
      startLab({ dir: tmp.dir, computes: COMPUTES, instances: INSTANCES, migrateSeconds: MIGRATE_SECONDS, maxConcurrentLiveMigrations: CONCURRENCY }),
      startRedis(),
    ]);
    const log = pino({ level: 'silent' });
    const loaded = loadConfigFile({ FERRY_CONFIG: lab.configPath, REDIS_URL: redis.url });
    const config: Config = {
      ...loaded,
      policy: { ...loaded.policy, migration: { ...loaded.policy.migration, pollIntervalMs: POLL_MS, concurrency: CONCURRENCY, perHostConcurrency: CONCURRENCY } },
    };
    const base = await createFerry(config, log, { redis: true });
    const rt = { ...base, jobs: base.jobs! };
    const workers = await rt.startWorkers();
    const deps = rt.dispatchDeps();
    try {
      const ideal = Math.ceil(INSTANCES / CONCURRENCY) * MIGRATE_SECONDS * 1000;
      const t0 = performance.now();
      const asked = await dispatch({ line: `/evacuate compute01 --concurrency ${CONCURRENCY} --reason "benchmark"`, userId: LAB_USERS.operator, channel: 'bench' }, deps);
      const planned = performance.now();
      if (!asked.report.approval) throw new Error(`/evacuate did not ask for approval: ${asked.report.title}: ${asked.report.reasons.join('; ')}`);
      const approved = await rt.decideApproval({
        approvalId: asked.report.approval.id,
        decision: 'approve',
        userId: LAB_USERS.approver,
        role: roleOf(config, LAB_USERS.approver),
        channel: 'bench',
      });
      if (!approved.job) throw new Error(`the approval started no job: ${approved.title}: ${approved.reasons.join('; ')}`);
      const started = performance.now();
      const final = await withTimeout(waitForJob(rt.jobs, approved.job.queue, approved.job.id, () => {}), FINISH_TIMEOUT_MS);
      const done = performance.now();
      const wall = done - started;

      const state = (lab.model as LabModelHandle).state;
      const moved = state.instances.filter((i) => i.host !== 'compute01' && i.status === 'ACTIVE').length;
      const migrations = state.migrations;
      const novaWall = migrations.length ? Math.max(...migrations.map((m) => m.updatedAt ?? m.endsAt)) - Math.min(...migrations.map((m) => m.createdAt)) : NaN;
      const targets = [...new Set(migrations.map((m) => m.dest))].sort();
      // Slot time nova did not spend migrating, per instance: ferry's turnaround between one move ending and the next being issued.
      const busy = migrations.reduce((sum, m) => sum + ((m.updatedAt ?? m.endsAt) - m.startsAt), 0);
      const gap = (CONCURRENCY * novaWall - busy) / Math.max(1, migrations.length);
      const commands = lab.calls().filter((c) => c.at >= Date.now() - (done - started)).length;

      table([
        ['', 'wall time', 'ratio to ideal'],
        [`ideal: ceil(${INSTANCES}/${CONCURRENCY}) × ${MIGRATE_SECONDS} s`, ms(ideal), '×1.00'],
        ['ferry: approval → summary', ms(wall), ratio(wall, ideal)],
        ['lab: first live-migration → last one ended', ms(novaWall), ratio(novaWall, ideal)],
        ['ferry: /evacuate → plan with buttons', ms(planned - t0), ''],
      ]);
      note(`${moved} of ${INSTANCES} instances ACTIVE off compute01 after ${migrations.length} live migrations to ${targets.join(', ')}; most running at once in nova: ${maxInFlight(migrations)}.`);
      note(`turnaround per move (slot time not spent migrating / ${migrations.length}): ${ms(gap)}; ${commands} commands over SSH during the run, ${(commands / INSTANCES).toFixed(1)} per instance.`);
      note(`summary: ${final.title}${final.reasons[0] ? ` (${final.reasons[0]})` : ''}`);
      note(`ferry polls nova every ${POLL_MS} ms here (ferry.yml default 2000 ms); plan concurrency ${CONCURRENCY}, perHostConcurrency ${CONCURRENCY}, nova.conf max_concurrent_live_migrations ${CONCURRENCY}.`);
      return [`${INSTANCES} instances, ${CONCURRENCY} at a time: ${ms(wall)} vs ideal ${ms(ideal)} = ${ratio(wall, ideal)} (${moved}/${INSTANCES} moved, poll ${POLL_MS} ms)`];
    } finally {
      await workers.close();
      await rt.close();
      await Promise.allSettled([lab.stop(), redis.stop()]);
      await tmp.remove();
    }
  },
};

/** The most live migrations nova was running at one moment (from their start, after any queueing, to their end). */
function maxInFlight(migrations: readonly { startsAt: number; endsAt: number; updatedAt: number | null }[]): number {
  const edges = migrations.flatMap((m) => [
    [m.startsAt, 1],
    [m.updatedAt ?? m.endsAt, -1],
  ] as const);
  const sorted = [...edges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of sorted) max = Math.max(max, (now += d));
  return max;
}

function withTimeout<T>(p: Promise<T>, msec: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the evacuation did not finish within ${msec / 1000} s`)), msec);
    }),
  ]);
}
