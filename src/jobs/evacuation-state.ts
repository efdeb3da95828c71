/**
 * An evacuation as Redis has it: shared by the job (evacuation.ts) and its
 * reports (evacuation-report.ts) so neither imports the other back.
 */
import type { EvacuationPlan, PlannedMove } from '../cluster/evacuation-plan.js';

/** Where one planned move is: done means `moved` (or `warning`: moved, but verify found something). */
export type MoveState = 'pending' | 'running' | 'moved' | 'warning' | 'failed' | 'skipped' | 'cancelled';

/** One planned move and what Redis says about it. */
export interface MoveStatus {
  move: PlannedMove;
  state: MoveState;
  detail: string;
  /** What to do about a failed or skipped move. */
  advice?: string;
}

/** An evacuation as Redis has it now. */
export interface EvacuationState {
  plan: EvacuationPlan;
  moves: MoveStatus[];
  cancel: { by: string; at: string } | null;
  /** Nothing pending or running. */
  finished: boolean;
}
