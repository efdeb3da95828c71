/**
 * The seam between the lab's SSH servers (transport) and its cluster model.
 * The servers know nodes, ports and transport faults (down, hang, slow);
 * the model knows gluster, nova and the files the commands read.
 */

export interface LabExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** One command the lab received, as the shell split it. */
export interface LabCall {
  /** Milliseconds since the epoch. */
  at: number;
  node: string;
  /** The argv of each simple command in the line (after `. FILE &&` and the like). */
  argv: string[];
}

export interface LabModelOptions {
  /** Number of compute nodes: compute01..computeNN (host names computeNN.stack). */
  computes: number;
  /** Instances cirros1..cirrosM, all on compute01. */
  instances: number;
  /** How long a live migration stays MIGRATING. */
  migrateSeconds: number;
  /** true: no peers, no volume, nothing mounted (the bootstrap runbook's starting point). */
  bare?: boolean;
  /** nova.conf's `max_concurrent_live_migrations` on every compute (default 1, nova's own default). */
  maxConcurrentLiveMigrations?: number;
}

export interface LabModel {
  /** Node names: 'control', 'compute01', ... */
  readonly nodes: readonly string[];
  /** Runs one command line, exactly as received over SSH, on a node. */
  run(node: string, commandLine: string): Promise<LabExecResult>;
  /** Cluster-level faults (brick-down, glusterd-down, gluster-version V, cache-unsafe, unmount, migration-fails MSG, post-migration-stall S, ...). */
  fault(node: string, fault: string, arg?: string): void;
  /** Every command received, oldest first. */
  calls(): LabCall[];
}
