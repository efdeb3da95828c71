/**
 * ferry's Prometheus metrics (prom-client), one registry per process: slash
 * commands by name and outcome, ack latency, SSH exec latency and timeouts per
 * node, job counts per queue and state, Slack Web API errors and 429s.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueName } from './jobs/jobs.js';
import { QUEUE } from './jobs/jobs.js';
import type { ExecObservation } from './ssh/types.js';
import { withTimeout } from './timeout.js';

/** BullMQ's job states, as getJobCounts names them. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized', 'waiting-children'] as const;

/** Where the job counts come from at scrape time (a Jobs, or a thread that has one). */
export interface JobCounts {
  queue(name: QueueName): { getJobCounts(...states: string[]): Promise<Record<string, number>> };
}

/** What an ack is for: a slash command or a button press. */
export type AckKind = 'command' | 'action';

export interface Metrics {
  readonly registry: Registry;
  /** A dispatched slash command and its audit outcome (ok, usage, refused, error, ...). */
  command(name: string, outcome: string): void;
  /** Seconds from the request reaching ferry to its ack. */
  ack(kind: AckKind, seconds: number): void;
  /** One SSH exec, from the SSH layer's observer. */
  sshExec(o: ExecObservation): void;
  /** A failed Slack Web API call (`error` is Slack's code, or `http_503`, `ratelimited`, ...). */
  slackError(method: string, error: string): void;
  /** Job counts per queue and state are read from Redis at each scrape. */
  watchJobs(jobs: JobCounts): void;
  /** Runs before each scrape (e.g. to take in metrics counted in another thread). */
  beforeScrape(hook: () => Promise<unknown>): void;
  /** The text a Prometheus scrape gets. */
  text(): Promise<string>;
}

/** Builds a fresh registry with ferry's metrics and Node's default process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ferry_' });
  const commands = new Counter({ name: 'ferry_commands_total', help: 'Slash commands dispatched, by command and outcome', labelNames: ['command', 'outcome'], registers: [registry] });
  const acks = new Histogram({
    name: 'ferry_ack_seconds',
    help: 'Time from a Slack request reaching ferry to its ack',
    labelNames: ['kind'],
    // Slack gives 3 s; the interesting part is well under 100 ms.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5],
    registers: [registry],
  });
  const sshSeconds = new Histogram({
    name: 'ferry_ssh_exec_seconds',
    help: 'SSH exec duration per node and outcome (ok: the command ran, whatever its exit code)',
    labelNames: ['node', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const sshTimeouts = new Counter({ name: 'ferry_ssh_timeouts_total', help: 'SSH execs that ran out of time, per node and phase', labelNames: ['node', 'phase'], registers: [registry] });
  const slackErrors = new Counter({ name: 'ferry_slack_api_errors_total', help: 'Failed Slack Web API calls, by method and error', labelNames: ['method', 'error'], registers: [registry] });
  const slack429 = new Counter({ name: 'ferry_slack_rate_limited_total', help: 'Slack Web API calls answered 429, by method', labelNames: ['method'], registers: [registry] });
  const watched: JobCounts[] = [];
  const hooks: (() => Promise<unknown>)[] = [];
  new Gauge({
    name: 'ferry_jobs',
    help: 'Jobs per queue and state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const jobs of watched) {
        for (const queue of Object.values(QUEUE) as QueueName[]) {
          // A scrape while Redis is away shows no job series rather than failing the whole scrape.
          const counts = await withTimeout(jobs.queue(queue).getJobCounts(...JOB_STATES), 1000).catch(() => undefined);
          if (!counts) continue;
          for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }
      }
    },
  });

  return {
    registry,
    command: (name, outcome) => commands.inc({ command: name, outcome }),
    ack: (kind, seconds) => acks.observe({ kind }, seconds),
    sshExec: (o) => {
      sshSeconds.observe({ node: o.host, outcome: o.outcome }, o.ms / 1000);
      if (o.outcome === 'timeout') sshTimeouts.inc({ node: o.host, phase: o.phase ?? 'command' });
    },
    slackError: (method, error) => {
      if (error === 'ratelimited') slack429.inc({ method });
      slackErrors.inc({ method, error });
    },
    watchJobs: (jobs) => void watched.push(jobs),
    beforeScrape: (hook) => void hooks.push(hook),
    text: async () => {
      // A hook that fails or hangs leaves the scrape with what this thread has.
      await Promise.all(hooks.map((h) => withTimeout(h(), 1000).catch(() => undefined)));
      return registry.metrics();
    },
  };
}
