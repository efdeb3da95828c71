/**
 * The real gluster test bed (.ci/real-gluster/bed.sh): three GlusterFS 10.3 nodes in their own
 * namespaces, each behind its own OpenSSH sshd. ferry drives it through its dispatcher over SSH,
 * exactly as it drives the lab; the tests ask the gluster CLI on the nodes directly (inside the
 * node's namespaces, not through ferry) for the truth to compare with.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile, type Config } from '../../../src/config.js';
import { createFerry, type Ferry } from '../../../src/ferry.js';
import { dispatch } from '../../../src/dispatch.js';
import type { Report } from '../../../src/report.js';

const run = promisify(execFile);
/** The bed's script. */
export const BED_SH = fileURLToPath(new URL('../../../.ci/real-gluster/bed.sh', import.meta.url));
export const NODES = ['compute01', 'compute02', 'compute03'] as const;
export type NodeName = (typeof NODES)[number];
export const VOLUME = 'vm-instances';
export const MOUNT = '/var/lib/nova/instances';

export interface Sh {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `bed.sh ARGS` as root; never throws on a non-zero exit. */
export async function bedSh(args: string[], timeoutMs = 180_000): Promise<Sh> {
  try {
    const { stdout, stderr } = await run('bash', [BED_SH, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), code: typeof e.code === 'number' ? e.code : -1 };
  }
}

/** Runs a shell line inside a node's namespaces (as root on that node, not through ferry). */
export function onNode(node: NodeName, script: string): Promise<Sh> {
  return bedSh(['exec', node, 'sh', '-c', script], 60_000);
}

/** A ferry answer with its tables by title. */
export interface Answer {
  report: Report;
  table(title: string): string[][];
  /** The FAIL reasons, without the `FAIL: ` prefix. */
  fails: string[];
  warns: string[];
}

export interface Bed {
  config: Config;
  configPath: string;
  /** Seconds `bed.sh up` took. */
  upSeconds: number;
  /** Runs one slash line through ferry's dispatcher as an admin. */
  ferry(line: string): Promise<Answer>;
  /** Closes ferry's SSH connections and tears the bed down. */
  stop(): Promise<Sh>;
}

/** Brings the bed up (after removing any leftovers) and a ferry runtime with it. */
export async function startBed(): Promise<Bed> {
  const started = performance.now();
  const up = await bedSh(['up']);
  if (up.code !== 0) {
    await bedSh(['cleanup']);
    throw new Error(`bed.sh up failed (exit ${up.code}):\n${up.stderr}`);
  }
  const upSeconds = (performance.now() - started) / 1000;
  const configPath = up.stdout.trim().split('\n').pop()!;
  const config = loadConfigFile({ FERRY_CONFIG: configPath });
  const log = pino({ level: 'silent' });
  let rt: Ferry | undefined = await createFerry(config, log, { redis: false });
  return {
    config,
    configPath,
    upSeconds,
    async ferry(line) {
      const outcome = await dispatch(
        { line, userId: 'U_ADMIN', channel: 'cli' },
        rt!.dispatchDeps(),
      );
      const r = outcome.report;
      const level = (l: string) => r.reasons.filter((x) => x.startsWith(`${l}: `)).map((x) => x.slice(l.length + 2));
      return { report: r, table: (t) => r.tables.find((x) => x.title === t)?.rows ?? [], fails: level('FAIL'), warns: level('WARN') };
    },
    async stop() {
      await rt?.close();
      rt = undefined;
      return bedSh(['down']);
    },
  };
}

/** Throws naming whatever of a bed still exists (`bed.sh leftovers`: namespaces, links, loop devices, mounts, processes). */
export async function expectNoLeftovers(): Promise<void> {
  const left = await bedSh(['leftovers']);
  if (left.code !== 0 || left.stdout) throw new Error(`the bed left behind:\n${left.stdout}${left.stderr}`);
}

/** PID and node of every process running in a bed node (`bed.sh processes`, by the node's host name). */
export async function bedProcesses(): Promise<{ pid: number; node: NodeName }[]> {
  const { stdout } = await bedSh(['processes']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ pid: Number(l.split(' ')[0]), node: l.split(' ')[1]!.replace(/\.stack$/, '') as NodeName }));
}

/** Waits until `check` resolves truthy, retrying every 300 ms; throws with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | false | undefined | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
