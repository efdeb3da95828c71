/**
 * Replication bookkeeping: while a brick is offline, writes through the mount
 * leave entries pending heal on the bricks that took them (the volume root `/`
 * too, when an entry is created or removed, as granular entry heal records it);
 * once every brick is back, the self-heal daemon clears them healSeconds later.
 */
import { shdEnabled } from './gluster-views.js';
import { randomUUID } from 'node:crypto';
import { brickOnline, respawnBrick, type LabNode, type LabState, type Volume } from './state.js';

const ROOT_GFID = '00000000-0000-0000-0000-000000000001';

/** Heals what is due (called before each command and after faults). */
export function advanceGluster(state: LabState, now: number): void {
  for (const v of state.volumes.values()) {
    const allUp = v.status === 'Started' && v.bricks.every((b) => brickOnline(state, v, b.node));
    // With healing disabled nothing heals (heal-pending: entries stay until `heal enable`).
    if (v.pending.size === 0 || !allUp || !shdEnabled(v)) {
      v.healStartAt = undefined;
      continue;
    }
    v.healStartAt ??= now;
    if (now >= v.healStartAt + state.opts.healSeconds * 1000) {
      v.pending.clear();
      v.healStartAt = undefined;
    }
  }
}

/** Records a change of `path` (relative to the volume root, with a leading '/') made through the mount. */
export function recordChange(state: LabState, v: Volume, path: string, gfid: string, kind: 'create' | 'modify' | 'remove'): void {
  const online = v.bricks.filter((b) => brickOnline(state, v, b.node));
  if (online.length === v.bricks.length) return;
  for (const b of online) {
    let entries = v.pending.get(b.node);
    if (!entries) v.pending.set(b.node, (entries = new Map()));
    if (kind === 'remove') entries.delete(path);
    else entries.set(path, gfid);
    if (kind !== 'modify') entries.set('/', ROOT_GFID);
  }
}

/** A new file's gfid. */
export function newGfid(): string {
  return randomUUID();
}

/**
 * glusterd stops or starts on a node. Down, the node's brick is unreachable
 * and its peers see it Disconnected; up again, glusterd respawns the bricks of
 * started volumes (a brick killed meanwhile included).
 */
export function setGlusterd(state: LabState, node: LabNode, up: boolean, now: number): void {
  if (up && !node.glusterdUp) {
    respawnBrick(node);
    node.brickKilled = false;
  }
  node.glusterdUp = up;
  advanceGluster(state, now);
}

/** Replicate quorum (cluster.quorum-type auto): more than half the bricks, or exactly half with the first. */
export function writable(state: LabState, v: Volume): 'ok' | 'ENOTCONN' | 'EROFS' {
  const up = v.bricks.map((b) => brickOnline(state, v, b.node));
  const n = up.filter(Boolean).length;
  if (v.status !== 'Started' || n === 0) return 'ENOTCONN';
  if (v.replica > 1 && !(n * 2 > v.bricks.length || (n * 2 === v.bricks.length && up[0]))) return 'EROFS';
  return 'ok';
}
