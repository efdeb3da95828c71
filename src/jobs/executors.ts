/** What each kind of approval request runs once approved, by kind. */
import type { Executor } from './approval-actions.js';
import { executeEvacuation } from './evacuation-executor.js';
import { executeBootstrap } from './bootstrap.js';
import { executeVolumeCreate, executeVolumeStop } from './gluster-volume-executors.js';

export const executors: Record<string, Executor> = {
  evacuate: executeEvacuation,
  'gluster volume create': executeVolumeCreate,
  'gluster volume stop': executeVolumeStop,
  'gluster bootstrap': executeBootstrap,
};
