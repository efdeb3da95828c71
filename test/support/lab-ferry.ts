/**
 * A lab and ferry's dispatcher over real SSH, without Slack: the path `ferry run`
 * takes. Optionally a real redis-server, for commands that queue jobs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startLab, type Lab, type LabOptions } from '../../src/lab/lab.js';
import { loadConfigFile, type Config } from '../../src/config.js';
import { createFerry, type Ferry } from '../../src/ferry.js';
import { dispatch, type Outcome } from '../../src/dispatch.js';
import type { Workers } from '../../src/jobs/workers.js';
import { waitForJob } from '../../src/cli/wait-job.js';
import type { Report } from '../../src/report.js';
import { startRedis, type RedisServerOptions, type TestRedis } from './redis.js';

export interface LabFerry {
  lab: Lab;
  config: Config;
  rt: Ferry;
  redis?: TestRedis;
  /** Runs one slash line as `user` (default U_OPS) and returns what ferry answers. */
  run(line: string, user?: string): Promise<Outcome>;
  /** For a report that queued a job: its final report. */
  finish(r: Report, onProgress?: (r: Report) => void): Promise<Report>;
  /** Injects a lab fault that `undoFaults()` takes back with `undo` (a fault name and its argument). */
  fault(node: string, fault: string, undo: [string, string?], arg?: string): Promise<void>;
  /** Takes back every fault injected with `fault()`, newest first (call it in afterEach). */
  undoFaults(): Promise<void>;
  /** The argv of every `nova live-migration` the lab received. */
  liveMigrations(): string[][];
  stop(): Promise<void>;
}

export async function startLabFerry(opts: Omit<LabOptions, 'dir'> & { redis?: boolean | RedisServerOptions; workers?: boolean; env?: Record<string, string> } = {}): Promise<LabFerry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-lab-'));
  const [lab, redis] = await Promise.all([startLab({ ...opts, dir }), opts.redis ? startRedis(opts.redis === true ? {} : opts.redis) : undefined]);
  const env = { FERRY_CONFIG: lab.configPath, ...(redis ? { REDIS_URL: redis.url } : {}), ...opts.env };
  const config = loadConfigFile(env);
  const log = pino({ level: 'silent' });
  // The wiring `ferry run` uses (src/ferry.ts).
  const rt = await createFerry(config, log, { redis: Boolean(redis) });
  let workers: Workers | undefined;
  if (rt.jobs && opts.workers !== false) workers = await rt.startWorkers();
  const undo: [node: string, fault: string, arg?: string][] = [];
  return {
    lab,
    config,
    async fault(node, fault, reverse, arg) {
      await lab.fault(node, fault, arg);
      undo.push([node, ...reverse]);
    },
    async undoFaults() {
      for (const [node, reverse, arg] of undo.splice(0).reverse()) await lab.fault(node, reverse, arg);
    },
    rt,
    redis,
    run: (line, user = 'U_OPS') =>
      dispatch({ line, userId: user, channel: 'cli' }, rt.dispatchDeps()),
    finish: (r, onProgress = () => {}) => {
      if (!r.job || !rt.jobs) throw new Error(`no job in report ${r.title}`);
      return waitForJob(rt.jobs, r.job.queue, r.job.id, onProgress);
    },
    liveMigrations: () => lab.calls().filter((c) => c.argv[0] === 'nova' && c.argv.includes('live-migration')).map((c) => c.argv),
    async stop() {
      await workers?.close();
      await rt.close();
      await Promise.allSettled([lab.stop(), redis?.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every cell and line of a report, for matching. */
export function reportText(r: Report): string {
  return [r.title, r.verdict, ...r.reasons, ...r.tables.flatMap((t) => [t.title, ...t.rows.map((row) => row.join(' | '))]), ...r.notes].join('\n');
}
