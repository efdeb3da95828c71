/**
 * Per-thread CPU of some processes over a stretch of time, from Linux's
 * /proc/PID/task/TID/schedstat: time on a CPU and time runnable but waiting
 * for one (ns). It tells a thread that was slow because it had work apart from
 * one that was slow because the CPUs were taken. Threads are named by PID/TID
 * (Node names them all "node").
 */
import { readdirSync, readFileSync } from 'node:fs';

type Reading = Map<string, { runNs: number; waitNs: number }>;

export function readThreads(pids: readonly number[]): Reading {
  const out: Reading = new Map();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // ended, or not Linux
    }
    for (const tid of tids) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        out.set(`${pid}/${tid}`, { runNs: run!, waitNs: wait! });
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return out;
}

/** "PID/TID run X ms wait Y ms" for each thread that used or waited for a CPU more than 1 ms between the readings. */
export function threadLines(before: Reading, after: Reading, names: Record<number, string>): string[] {
  const lines: string[] = [];
  for (const [key, a] of after) {
    const b = before.get(key);
    if (!b) continue;
    const run = (a.runNs - b.runNs) / 1e6;
    const wait = (a.waitNs - b.waitNs) / 1e6;
    if (run + wait <= 1) continue;
    const [pid, tid] = key.split('/').map(Number);
    const who = `${names[pid!] ?? pid}${tid === pid ? '' : `/${tid}`}`;
    lines.push(`${who} run ${run.toFixed(1)} ms, waited ${wait.toFixed(1)} ms`);
  }
  return lines;
}
