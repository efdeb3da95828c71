/**
 * Everything a Slack-level test needs, real and on 127.0.0.1: a lab behind SSH,
 * a redis-server, the Slack Web API fake, and ferry's Bolt app in HTTP mode
 * (in this process, or as a `ferry serve` child process that a test may kill -9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { loadConfigFile, type Config, type Role } from '../../src/config.js';
import type { SlackAppOptions } from '../../src/slack/app.js';
import { startServer, type Server } from '../../src/cli/serve.js';
import type { AuditEntry } from '../../src/audit.js';
import { startRedis, type TestRedis } from './redis.js';
import { startSlackFake, type FakeMessage, type Outage, type RateLimits, type SlackFake } from './slack-fake.js';
import { buttonBody, eventBody, postSigned, slashBody, type SentRequest } from './slack-requests.js';

export const CHANNEL = 'C0OPS';
/**
 * The SSH timeouts a harness's ferry gets unless a test says otherwise: deadlines, not limits.
 * The lab's own (LAB_SSH_LIMITS) ran out on a machine running other suites beside this one
 * ("compute01 no answer within 2000 ms"), failing tests that are not about a slow node.
 */
export const SSH_DEADLINES = { connectTimeoutMs: 30_000, commandTimeoutMs: 60_000 };
/** The lab's ferry.yml timeouts, for tests of a node that hangs. */
export const LAB_SSH_LIMITS = { connectTimeoutMs: 2000, commandTimeoutMs: 5000 };
export const SECRET = 'test-signing-secret';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** A deadline, not a measurement: tsx compiles ferry in the child (over 15 s on a machine busy with other jobs); a plan over many instances takes as long. */
const CHILD_DEADLINE_MS = 120_000;

/**
 * The environment of a ferry in HTTP mode against a lab, a Redis and the Slack
 * fake: signed requests on a free port, Web API calls to the fake, no app token.
 */
export function ferryHttpEnv(o: { configPath: string; slack: Pick<SlackFake, 'token' | 'url'>; redisUrl: string; secret: string }): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FERRY_CONFIG: o.configPath,
    SLACK_BOT_TOKEN: o.slack.token,
    SLACK_SIGNING_SECRET: o.secret,
    SLACK_API_URL: o.slack.url,
    REDIS_URL: o.redisUrl,
    PORT: '0',
    FERRY_HEALTH_PORT: '0',
    LOG_LEVEL: 'warn',
    // SCHED_IDLE threads crawl while another suite keeps the CPUs busy; tests that need the default set it.
    FERRY_THREAD_POLICY: 'nice',
  };
  delete env.SLACK_APP_TOKEN;
  return env;
}

export interface HarnessOptions {
  computes?: number;
  instances?: number;
  migrateSeconds?: number;
  rateLimit?: boolean | Partial<RateLimits>;
  /** Run ferry as a `ferry serve` child process (for kill -9 tests). */
  child?: boolean;
  /** Extra environment for ferry (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  usergroups?: Record<string, string[]>;
  /** Start the lab bare: glusterd running, no peers, no volume, nothing mounted (the bootstrap runbook's start). */
  bare?: boolean;
  /** Slack's Web API misbehaving from before ferry starts (e.g. auth.test slow or answering 503). */
  outage?: Outage;
  /** Pacing of ferry's background auth.test retries (in-process only). */
  tokenRetry?: SlackAppOptions['tokenRetry'];
  /** In-process only: the command thread's module (see test/support/crashing-answer-worker.ts). */
  commandThreadEntry?: URL;
  /** In-process only: how long stopping ferry waits for the commands in flight. */
  stopWaitMs?: number;
  /** Roles to set in the lab's ferry.yml (each given role replaces the lab's default members). */
  roles?: Partial<Record<Role, { users?: string[]; groups?: string[] }>>;
  /** The channel allowlist to set in the lab's ferry.yml (`channels`). */
  channels?: string[];
  /** Policy keys merged into the lab's ferry.yml (e.g. a short approvalTtlSeconds, a small migration.pollIntervalMs). */
  policy?: { approval?: string[]; approvalTtlSeconds?: number; approverGroup?: string; migration?: Partial<Config['policy']['migration']> };
  /** SSH keys merged into the lab's ferry.yml (default SSH_DEADLINES; LAB_SSH_LIMITS for a test of a node that does not answer). */
  ssh?: Partial<Pick<Config['ssh'], 'connectTimeoutMs' | 'commandTimeoutMs'>>;
}

export interface SlashOptions {
  user?: string;
  channel?: string;
  triggerId?: string;
  retryNum?: number;
  timestamp?: number;
  signature?: string;
}

export interface Harness {
  lab: Lab;
  redis: TestRedis;
  slack: SlackFake;
  config: Config;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  slash(line: string, opts?: SlashOptions): Promise<SentRequest & { triggerId: string }>;
  button(actionId: string, value: string, opts: { user: string; messageTs: string; channel?: string; triggerId?: string }): Promise<SentRequest>;
  /** Sends an Events API callback (e.g. homeOpenedEvent('U_OPS')), signed as Slack signs it. */
  event(event: Record<string, unknown> & { type: string }): Promise<SentRequest>;
  /** Resolves with the first message in the channel (now or later) that matches. */
  waitForMessage(match: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  /** Resolves with the first ephemeral answer (response_url) that matches. */
  waitForEphemeral(match: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  audit(n?: number): Promise<AuditEntry[]>;
  /** Child mode: kill -9 the ferry process. */
  kill(): Promise<void>;
  /** Child mode: the running ferry serve's process id. */
  childPid(): number | undefined;
  /** Child mode: start ferry again (after kill). In-process mode: start it again after stopFerry. */
  startFerry(): Promise<void>;
  /** Stops ferry the way SIGTERM does (in-process: app, workers, runtime closed in order; child: SIGTERM and wait). */
  stopFerry(): Promise<void>;
  /** Child mode: everything ferry wrote to stdout and stderr so far. */
  output(): string;
  /** Starts a `ferry worker` process on the same Redis and lab; stop() kills it too. */
  startWorker(): Promise<FerryProcess>;
  stop(): Promise<void>;
}

/** A ferry child process a test may kill -9. */
export interface FerryProcess {
  pid: number;
  kill(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-test-'));
  const [lab, redis, slack] = await Promise.all([
    startLab({ dir, computes: opts.computes ?? 3, instances: opts.instances ?? 3, migrateSeconds: opts.migrateSeconds ?? 1, bare: opts.bare }),
    startRedis(),
    startSlackFake({ rateLimit: opts.rateLimit ?? false, usergroups: opts.usergroups }),
  ]);
  if (opts.outage) slack.outage(opts.outage);
  if (opts.roles) await setRoles(lab.configPath, opts.roles);
  if (opts.policy) await setPolicy(lab.configPath, opts.policy);
  if (opts.channels) await setKeys(lab.configPath, { channels: opts.channels });
  await setSsh(lab.configPath, opts.ssh ?? SSH_DEADLINES);
  const env = { ...ferryHttpEnv({ configPath: lab.configPath, slack, redisUrl: redis.url, secret: SECRET }), ...opts.env };
  const config = loadConfigFile(env);
  let port = 0;
  let inProcess: Server | undefined;
  let child: ChildProcess | undefined;
  let childOutput = '';
  const workerProcs: ChildProcess[] = [];

  async function startInProcess() {
    const log = pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    // serve's own wiring (src/cli/serve.ts), in this process.
    const server = await startServer(config, log, { port: 0, host: '127.0.0.1', tokenRetry: opts.tokenRetry, commandThreadEntry: opts.commandThreadEntry, stopWaitMs: opts.stopWaitMs });
    port = server.port!;
    inProcess = server;
  }

  async function startChild() {
    const proc = spawn(process.execPath, [...process.execArgv, '--import', 'tsx', MAIN, 'serve', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (b: Buffer) => (childOutput += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => {
      childOutput += b.toString();
      process.stderr.write(b);
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`ferry serve did not start within ${CHILD_DEADLINE_MS / 1000} s: ${out}`)), CHILD_DEADLINE_MS);
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /ferry serving on port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.once('exit', (code) => reject(new Error(`ferry serve exited ${code}: ${out}`)));
    });
  }

  const startFerry = () => (opts.child ? startChild() : startInProcess());
  await startFerry();
  const events = () => `http://127.0.0.1:${port}/slack/events`;

  async function killProc(proc: ChildProcess | undefined) {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
  const kill = () => killProc(child);

  async function stopFerry() {
    if (inProcess) {
      const server = inProcess;
      inProcess = undefined;
      await server.stop();
    }
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }

  async function startWorker(): Promise<FerryProcess> {
    const proc = spawn(process.execPath, [...process.execArgv, '--import', 'tsx', MAIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    workerProcs.push(proc);
    proc.stderr!.on('data', (b: Buffer) => process.stderr.write(b));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`ferry worker did not start within ${CHILD_DEADLINE_MS / 1000} s: ${out}`)), CHILD_DEADLINE_MS);
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ferry worker ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => reject(new Error(`ferry worker exited ${code}: ${out}`)));
    });
    return { pid: proc.pid!, kill: () => killProc(proc) };
  }


  return {
    lab,
    redis,
    slack,
    config,
    childPid: () => child?.pid,
    get baseUrl() {
      return `http://127.0.0.1:${port}`;
    },
    async slash(line, o = {}) {
      const triggerId = o.triggerId ?? `${Date.now()}.${Math.random().toString(16).slice(2)}`;
      const body = slashBody(line, { user: o.user ?? 'U_OPS', channel: o.channel ?? CHANNEL, responseUrl: slack.responseUrl({ channel: o.channel ?? CHANNEL, user: o.user ?? 'U_OPS' }), triggerId });
      const res = await postSigned(events(), body, { secret: SECRET, retryNum: o.retryNum, timestamp: o.timestamp, signature: o.signature });
      return { ...res, triggerId };
    },
    async button(actionId, value, o) {
      const channel = o.channel ?? CHANNEL;
      const body = buttonBody(actionId, value, { user: o.user, channel, messageTs: o.messageTs, responseUrl: slack.responseUrl({ channel, user: o.user, messageTs: o.messageTs }), triggerId: o.triggerId });
      return postSigned(events(), body, { secret: SECRET });
    },
    event(event) {
      return postSigned(events(), eventBody(event), { secret: SECRET, contentType: 'application/json' });
    },
    waitForMessage(match, timeoutMs = CHILD_DEADLINE_MS) {
      // On a timeout, what the channel shows instead: the first line of every message.
      return until(() => slack.messages(CHANNEL).find(match), timeoutMs, 'a matching Slack message').catch((err: Error) => {
        throw new Error(`${err.message}; the channel shows: ${slack.messages(CHANNEL).map((m) => JSON.stringify(m.text.split('\n')[0])).join(', ') || 'nothing'}`);
      });
    },
    waitForEphemeral(match, timeoutMs = 15_000) {
      return until(() => slack.ephemerals().map((e) => `${e.text}\n${JSON.stringify(e.blocks)}`).find(match), timeoutMs, 'a matching ephemeral answer');
    },
    async audit(n = 100) {
      const { redisAudit } = await import('../../src/audit.js');
      const { connectRedis } = await import('../../src/redis.js');
      const r = await connectRedis(redis.url);
      try {
        return await redisAudit(r, pino({ level: 'silent' })).recent(n);
      } finally {
        r.disconnect();
      }
    },
    kill,
    startFerry,
    stopFerry,
    output: () => childOutput,
    startWorker,
    async stop() {
      if (inProcess) await stopFerry();
      await kill();
      await Promise.all(workerProcs.map(killProc));
      await Promise.allSettled([lab.stop(), redis.stop(), slack.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first value `find` returns (polled every 50 ms), or fails after `timeoutMs` naming `what`. */
export async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = find();
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `body` against a fresh harness, stopped afterwards whatever happens. */
export async function withHarness(opts: HarnessOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(opts);
  try {
    await body(h);
  } finally {
    await h.stop();
  }
}

/** Replaces the members of the given roles in a ferry.yml, keeping everything else. */
async function setRoles(configPath: string, roles: NonNullable<HarnessOptions['roles']>): Promise<void> {
  const file = parseYaml(await readFile(configPath, 'utf8')) as { roles?: Record<string, unknown> };
  file.roles = { ...file.roles, ...roles };
  await writeFile(configPath, stringifyYaml(file));
}

/** Sets top-level keys of a ferry.yml, keeping everything else. */
async function setKeys(configPath: string, keys: Record<string, unknown>): Promise<void> {
  const file = parseYaml(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, stringifyYaml({ ...file, ...keys }));
}

/** Merges ssh keys into a ferry.yml, keeping everything else. */
/** Merges `ssh` keys into the lab's ferry.yml at `configPath` (a test starting its own ferry against a lab gives it SSH_DEADLINES). */
export async function setSsh(configPath: string, ssh: NonNullable<HarnessOptions['ssh']>): Promise<void> {
  const file = parseYaml(await readFile(configPath, 'utf8')) as { ssh?: object };
  await writeFile(configPath, stringifyYaml({ ...file, ssh: { ...file.ssh, ...ssh } }));
}

/** Merges policy keys into a ferry.yml, keeping everything else. */
async function setPolicy(configPath: string, policy: NonNullable<HarnessOptions['policy']>): Promise<void> {
  const file = parseYaml(await readFile(configPath, 'utf8')) as { policy?: { migration?: object } };
  file.policy = { ...file.policy, ...policy, migration: { ...file.policy?.migration, ...policy.migration } };
  await writeFile(configPath, stringifyYaml(file));
}

/** The text of a message and all its blocks, for matching. */
export function messageText(m: { text: string; blocks: unknown[] }): string {
  return `${m.text}\n${JSON.stringify(m.blocks)}`;
}
