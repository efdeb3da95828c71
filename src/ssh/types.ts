/** What the rest of ferry sees of SSH: exec one argv on one host, or on many. */
import type { PoolStats } from './pool.js';

export interface ExecOptions {
  /** Per-command timeout; defaults to ssh.commandTimeoutMs from ferry.yml. */
  timeoutMs?: number;
  /** Bytes kept of stdout and of stderr each; more is dropped and `truncated` set. */
  maxOutputBytes?: number;
  /** A file to source (`. FILE &&`) before the command, e.g. the openrc on the control node. */
  source?: string;
  /**
   * A read that may be shared: while it waits for a channel (not yet sent to the node), the same
   * command asked again on the same node with the same options gets its answer instead of a run of
   * its own. The answer was produced after every one of its askers asked. Never set it for a command
   * that changes anything.
   */
  shared?: boolean;
}

export interface ExecResult {
  host: string;
  argv: readonly string[];
  /** null when the command ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** true when the output cap cut stdout or stderr. */
  truncated: boolean;
  durationMs: number;
}

/** One exec as the SSH layer saw it: node, duration, and whether the command ran ('ok', whatever its exit code). */
export interface ExecObservation {
  host: string;
  ms: number;
  outcome: 'ok' | 'timeout' | 'unreachable' | 'host-key';
  phase?: 'connect' | 'command';
}

/** One host's outcome in a fan-out. */
export type HostOutcome =
  | { host: string; status: 'ok'; result: ExecResult }
  | { host: string; status: 'failed'; result: ExecResult }
  | { host: string; status: 'timeout' | 'unreachable' | 'host-key' | 'truncated'; error: Error };

export interface FanOutOptions extends ExecOptions {
  /** At most this many hosts at once (default 32). */
  concurrency?: number;
}

/**
 * The SSH layer. Hosts are named by their ferry.yml node name (`control`,
 * `compute01`). exec resolves with any exit code; it rejects only when the
 * command could not run: UnreachableError, HostKeyError, SshTimeoutError.
 */
export interface Ssh {
  exec(host: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  fanOut(hosts: readonly string[], argv: readonly string[], opts?: FanOutOptions): Promise<HostOutcome[]>;
  /** Calls `f` after every exec (metrics); an unknown host or a failed channel counts as unreachable. */
  observe(f: (o: ExecObservation) => void): void;
  /** Connections opened since start, and open now, per host; callers waiting for a channel (for tests and benchmarks). */
  stats(): PoolStats;
  close(): Promise<void>;
}
