/** What every lab command receives and returns. */
import type { LabNode, LabState } from './state.js';
import type { LabExecResult } from './types.js';

/** The node a command runs on, the cluster, the clock, and `VAR=value` / sourced variables. */
export interface CommandContext {
  state: LabState;
  node: LabNode;
  now: number;
  env: Record<string, string>;
}

/** One command of the lab (argv[0] already chosen by the shell). */
export type LabCommand = (ctx: CommandContext, args: string[]) => LabExecResult;

export function result(stdout: string, stderr = '', exitCode = 0): LabExecResult {
  return { stdout, stderr, exitCode };
}

export function failure(stderr: string, exitCode = 1, stdout = ''): LabExecResult {
  return { stdout, stderr, exitCode };
}

/** Joins lines and ends them with a newline, like a C `printf("%s\n")` per line. */
export function lines(...ls: string[]): string {
  return ls.length === 0 ? '' : ls.join('\n') + '\n';
}
