/**
 * Naming slow calls. The real `nova` CLI costs seconds per call (Python start-up
 * and a new Keystone token each time), more on a busy control node; when a report
 * took long, the person reading it should see which call it waited on. A request
 * (dispatch) or a job runs inside `watchSlowCalls`; every call slower than
 * SLOW_CALL_MS made inside it becomes a log line at once and a note for its report.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../log.js';

/** A call that takes longer than this is named in the report and the log. */
export const SLOW_CALL_MS = 5000;

interface Slow {
  host: string;
  count: number;
  maxMs: number;
}

interface Watch {
  log?: Logger;
  calls: Map<string, Slow>;
}

const current = new AsyncLocalStorage<Watch>();

/** Runs `fn` with slow calls collected for its report (see {@link slowCallNotes}) and logged on `log`. */
export function watchSlowCalls<T>(log: Logger | undefined, fn: () => Promise<T>): Promise<T> {
  return current.run({ log, calls: new Map() }, fn);
}

/** Records one call of `command` on `host` that took `ms`; nothing happens unless it was slow. */
export function recordCallTime(command: string, host: string, ms: number): void {
  if (ms < SLOW_CALL_MS) return;
  const watch = current.getStore();
  watch?.log?.warn({ command, host, ms }, `slow call: ${command} took ${seconds(ms)} on ${host}`);
  if (!watch) return;
  const seen = watch.calls.get(command) ?? { host, count: 0, maxMs: 0 };
  watch.calls.set(command, { host, count: seen.count + 1, maxMs: Math.max(seen.maxMs, ms) });
}

/** One note per slow command seen so far in this request or job, e.g. `nova migration-list took 7.2 s on control`. */
export function slowCallNotes(): string[] {
  const calls = current.getStore()?.calls ?? new Map<string, Slow>();
  return [...calls].map(([command, s]) =>
    s.count === 1 ? `${command} took ${seconds(s.maxMs)} on ${s.host}` : `${command} took up to ${seconds(s.maxMs)} on ${s.host} (${s.count} slow calls)`,
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
