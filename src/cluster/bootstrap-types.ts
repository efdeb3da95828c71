/**
 * The shapes of a bootstrap plan, shared by the planner (bootstrap.ts) and the
 * step checks (bootstrap-steps.ts) so neither imports the other back.
 */
/** One node of the pool being built: its ferry name and the name gluster knows it by. */
export interface BootstrapNode {
  name: string;
  fqdn: string;
}

/** What to build: everything a step's commands are made of. */
export interface BootstrapSpec {
  volume: string;
  /** In order; the volume is replica `nodes.length`, one brick per node. */
  nodes: BootstrapNode[];
  /** The node that probes the others and creates and starts the volume. */
  anchor: string;
  brickPath: string;
  mountPoint: string;
}

export type StepKind = 'server' | 'brick' | 'probe' | 'create' | 'start' | 'mount' | 'chown' | 'verify';

/** One command of a step, on one node. */
export interface StepCommand {
  node: string;
  argv: string[];
}

/** A step as the approver sees it. */
export interface StepInfo {
  id: string;
  kind: StepKind;
  title: string;
  /** The node the step is about (its commands may run elsewhere, e.g. a probe runs on the anchor). */
  node: string;
  commands: StepCommand[];
  /** What is checked before anything runs. */
  checks: string;
}

/**
 * done: nothing to run; todo: its commands will run; check: runs every time
 * (the final write/read test); refused: it must not run as things are;
 * unknown: the node did not answer.
 */
export type StepStatus = 'done' | 'todo' | 'check' | 'refused' | 'unknown';

export interface StepState {
  status: StepStatus;
  detail: string;
}

export type PlannedStep = StepInfo & StepState;

export interface BootstrapPlan {
  spec: BootstrapSpec;
  steps: PlannedStep[];
}
