/** What each kind of approval request runs once approved, by kind. */
import type { Executor } from './approval-actions.js';

export const executors: Record<string, Executor> = {};
