/**
 * What the benchmarks share: the machine they ran on, percentiles, aligned
 * tables, child processes started (and stopped) by PID, a lab in a child
 * process, and /proc readings. Benchmarks measure; they never fail the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabOptions } from '../../src/lab/lab.js';

/** One benchmark: prints its own details, returns the lines for the final summary. */
export interface Bench {
  name: string;
  run(): Promise<string[]>;
}

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The machine, for the summary block. */
export function machine(): string[] {
  const cpuinfo = readText('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return [
    `cpus:   ${os.availableParallelism()} (nproc), ${model}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`,
    `node:   ${process.version} on ${os.type()} ${os.release()}`,
  ];
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}`);
}

export function note(text: string): void {
  console.log(`  ${text}`);
}

/** Prints rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const [i, r] of rows.entries()) {
    console.log(`  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);
    if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
}

/** `a / b` as `×1.23`. */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  const r = a / b;
  return `×${r.toFixed(r < 10 ? 2 : 1)}`;
}

export function mib(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MiB`;
}

export const sleep = (msec: number) => new Promise<void>((r) => setTimeout(r, msec));

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `ferry-bench-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `n` tasks, `concurrency` at a time; resolves with their results in order. */
export async function pooled<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
  return out;
}

/** A child process we started; `stop` signals that PID only (SIGTERM, then SIGKILL after `graceMs`). */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** stdout so far. */
  output(): string;
  /** Resolves with the first stdout match, or rejects when the child exits or `timeoutMs` passes. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a TypeScript file under tsx, stdin a pipe: every child script in
 * test/bench stops itself when that pipe closes, so none outlives a crashed run.
 */
export function spawnTsx(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'inherit'] });
  return wrapChild(proc);
}

function wrapChild(proc: ChildProcess): Child {
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            done();
            resolve(m);
          }
        };
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`child ${proc.pid} exited (${code}) before printing ${re}: ${out.slice(-500)}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`child ${proc.pid} did not print ${re} within ${timeoutMs} ms: ${out.slice(-500)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          proc.stdout?.off('data', check);
          proc.off('exit', onExit);
        };
        proc.stdout?.on('data', check);
        proc.once('exit', onExit);
        check();
      });
    },
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin?.end();
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A lab running in its own process (so its SSH servers do not share ferry's event loop). */
export interface LabProcess {
  dir: string;
  configPath: string;
  nodes: { name: string; port: number }[];
  controlPort: number;
  pid: number;
  /** Commands the lab received at or after `since` (ms since the epoch). */
  calls(since?: number): Promise<{ at: number; node: string; argv: string[] }[]>;
  stop(): Promise<void>;
}

const LAB_CHILD = fileURLToPath(new URL('./lab-process.ts', import.meta.url));

export async function startLabProcess(opts: Omit<LabOptions, 'dir' | 'model'>): Promise<LabProcess> {
  const tmp = await tempDir('lab');
  const child = spawnTsx(LAB_CHILD, [JSON.stringify({ ...opts, dir: tmp.dir })]);
  try {
    const m = await child.waitFor(/^lab ready (.+)$/m, 120_000);
    const info = JSON.parse(m[1]!) as { configPath: string; nodes: { name: string; port: number }[]; controlPort: number };
    return {
      dir: tmp.dir,
      ...info,
      pid: child.pid,
      async calls(since = 0) {
        const res = await fetch(`http://127.0.0.1:${info.controlPort}/calls`);
        const all = (await res.json()) as { at: number; node: string; argv: string[] }[];
        return all.filter((c) => c.at >= since);
      },
      async stop() {
        await child.stop();
        await tmp.remove();
      },
    };
  } catch (err) {
    await child.stop();
    await tmp.remove();
    throw err;
  }
}

/** Runs a program to its end (killed by PID after `timeoutMs`); never throws for a non-zero exit. */
export function runProgram(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${err.message}`, ms: performance.now() - started });
    });
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Whether a program is on PATH. */
export async function have(cmd: string): Promise<boolean> {
  const r = await runProgram('sh', ['-c', `command -v ${cmd}`], 5000);
  return r.code === 0;
}

/** VmHWM (peak RSS) and VmRSS of a process, in KiB. */
export function memoryOf(pid: number): { hwmKb: number; rssKb: number } {
  const status = readText(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}

const CLOCK_TICKS = 100; // USER_HZ, the unit of utime/stime: 100 on every Linux architecture (getconf CLK_TCK)

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function cpuSecondsOf(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may contain spaces.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / CLOCK_TICKS;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
