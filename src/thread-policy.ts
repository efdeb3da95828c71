/**
 * Linux's SCHED_IDLE class for every thread of this process but the calling one, set
 * through util-linux's chrt (Node cannot call sched_setscheduler). The kernel preempts a
 * SCHED_IDLE thread as soon as a normal thread on its CPU wakes, whatever the nice values.
 * A nice value alone changes a thread's share of the CPU, not how soon a woken thread runs:
 * with the command thread at nice 10, `ferry serve`'s acking thread still waited 16–55 ms
 * per burst of 200 acks behind it and V8's helper threads (kernel 6.18); with them idle,
 * 0.3–11 ms (`ACK_LATENCY_THREADS=1 npm run bench -- ack-latency`).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What became of the other threads: how many are idle now, and why others are not. */
export interface IdledThreads {
  idled: number;
  /** One line per thread left in its class, e.g. `4242: sh: 1: chrt: not found`. */
  problems: string[];
}

/** The calling thread's id, or undefined where /proc has no thread-self (not Linux). */
export function currentThreadId(): string | undefined {
  try {
    return readlinkSync('/proc/thread-self').split('/').at(-1);
  } catch {
    return undefined;
  }
}

/**
 * One shell runs chrt for each thread and prints a line for each it could not lower: a spawn
 * costs the acking thread CPU, and one per thread (14) took about 0.3 s of it in a profile.
 */
const CHRT_EACH = 'for tid do out=$(chrt --idle --pid 0 "$tid" 2>&1) || echo "$tid: $out"; done';

/** Puts every other thread of this process in SCHED_IDLE; threads that ended meanwhile are skipped. */
export async function idleOtherThreads(): Promise<IdledThreads> {
  const self = currentThreadId();
  if (!self) return { idled: 0, problems: ['this system has no /proc/thread-self: threads left as they are'] };
  const others = readdirSync('/proc/self/task').filter((tid) => tid !== self);
  const { stdout } = await run('sh', ['-c', CHRT_EACH, 'sh', ...others]);
  const failed = stdout.split('\n').filter(Boolean);
  // A thread that ended meanwhile has nothing to lower.
  const problems = failed.filter((line) => existsSync(`/proc/self/task/${line.split(':')[0]}`));
  return { idled: others.length - failed.length, problems };
}
