/**
 * Everything a Slack-level test needs, real and on 127.0.0.1: a lab behind SSH,
 * a redis-server, the Slack Web API fake, and ferry's Bolt app in HTTP mode
 * (in this process, or as a `ferry serve` child process that a test may kill -9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { loadConfigFile, type Config } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { createNotifier } from '../../src/jobs/notifier.js';
import { startWorkers, type Workers } from '../../src/jobs/workers.js';
import { handleApproval } from '../../src/jobs/approval-actions.js';
import { executors } from '../../src/jobs/executors.js';
import { commands } from '../../commands/index.js';
import type { AuditEntry } from '../../src/audit.js';
import { startRedis, type TestRedis } from './redis.js';
import { startSlackFake, type FakeMessage, type RateLimits, type SlackFake } from './slack-fake.js';
import { buttonBody, postSigned, slashBody, type SentRequest } from './slack-requests.js';

export const CHANNEL = 'C0OPS';
export const SECRET = 'test-signing-secret';
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

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
  /** Resolves with the first message in the channel (now or later) that matches. */
  waitForMessage(match: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  /** Resolves with the first ephemeral answer (response_url) that matches. */
  waitForEphemeral(match: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  audit(n?: number): Promise<AuditEntry[]>;
  /** Child mode: kill -9 the ferry process. */
  kill(): Promise<void>;
  /** Child mode: start ferry again (after kill). */
  startFerry(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-test-'));
  const [lab, redis, slack] = await Promise.all([
    startLab({ dir, computes: opts.computes ?? 3, instances: opts.instances ?? 3, migrateSeconds: opts.migrateSeconds ?? 1 }),
    startRedis(),
    startSlackFake({ rateLimit: opts.rateLimit ?? false, usergroups: opts.usergroups }),
  ]);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FERRY_CONFIG: lab.configPath,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    REDIS_URL: redis.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  delete env.SLACK_APP_TOKEN;
  const config = loadConfigFile(env);
  let port = 0;
  let inProcess: { rt: Runtime; app: SlackApp; workers: Workers } | undefined;
  let child: ChildProcess | undefined;

  async function startInProcess() {
    const log = pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const base = await createRuntime(config, log, { redis: true });
    const rt = { ...base, redis: base.redis!, jobs: base.jobs! };
    let notifier = createNotifier(config, log);
    const app = createSlackApp({ config, runtime: rt, commands, log, port: 0, host: '127.0.0.1', onApproval: (a) => handleApproval({ rt, notifier, audit: rt.audit }, executors, a) });
    notifier = createNotifier(config, log, app.poster);
    const workers = startWorkers(rt, notifier);
    port = (await app.start())!;
    inProcess = { rt, app, workers };
  }

  async function startChild() {
    const proc = spawn(process.execPath, [...process.execArgv, '--import', 'tsx', MAIN, 'serve', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`ferry serve did not start: ${out}`)), 30_000);
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

  async function kill() {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async function until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = find();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    lab,
    redis,
    slack,
    config,
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
    waitForMessage(match, timeoutMs = 30_000) {
      return until(() => slack.messages(CHANNEL).find(match), timeoutMs, 'a matching Slack message');
    },
    waitForEphemeral(match, timeoutMs = 15_000) {
      return until(() => slack.ephemerals().map((e) => `${e.text}\n${JSON.stringify(e.blocks)}`).find(match), timeoutMs, 'a matching ephemeral answer');
    },
    async audit(n = 100) {
      const { redisAudit } = await import('../../src/audit.js');
      const { connectRedis } = await import('../../src/runtime.js');
      const r = await connectRedis(redis.url);
      try {
        return await redisAudit(r, pino({ level: 'silent' })).recent(n);
      } finally {
        r.disconnect();
      }
    },
    kill,
    startFerry,
    async stop() {
      if (inProcess) {
        await inProcess.app.stop();
        await inProcess.workers.close();
        await inProcess.rt.close();
      }
      await kill();
      await Promise.allSettled([lab.stop(), redis.stop(), slack.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The text of a message and all its blocks, for matching. */
export function messageText(m: { text: string; blocks: unknown[] }): string {
  return `${m.text}\n${JSON.stringify(m.blocks)}`;
}
