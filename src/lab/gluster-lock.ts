/**
 * glusterd's cluster-wide transaction lock, as `volume status` meets it while
 * another node's transaction on the volume holds it (real/gluster-10.3/concurrent):
 * `Another transaction is in progress for VOL. Please try again after some time.`
 * or `Locking failed on NODE. Please check log file for details.`
 */
import { failure, result } from './exec-result.js';
import { XML_HEAD } from './gluster-views.js';
import { VOLUME_NAME, type GlusterLock, type LabNode, type LabState } from './state.js';
import type { LabExecResult } from './types.js';

/** Fault `gluster-locked [N] [locking-failed]` on the holder node; N: how many `volume status` runs collide. */
export function lockFault(holder: LabNode, arg: string | undefined): GlusterLock {
  const words = (arg ?? '').trim().split(/\s+/).filter(Boolean);
  const count = words.find((w) => /^\d+$/.test(w));
  const bad = words.find((w) => w !== count && w !== 'locking-failed');
  if (bad !== undefined) throw new Error(`lab fault gluster-locked: expected "[N] [locking-failed]", got ${JSON.stringify(arg)}`);
  return { volume: VOLUME_NAME, holder, remaining: count === undefined ? null : Number(count), lockingFailed: words.includes('locking-failed') };
}

/**
 * The answer of a `volume status` that collides with the lock, or undefined.
 * `names`: the volumes the command asks about (every volume for `volume status`).
 */
export function lockConflict(state: LabState, names: string[], xml: boolean, all: boolean): LabExecResult | undefined {
  const lock = state.glusterLock;
  if (!lock || !names.includes(lock.volume)) return undefined;
  if (lock.remaining !== null && --lock.remaining <= 0) state.glusterLock = null;
  const msg = lock.lockingFailed
    ? `Locking failed on ${lock.holder.fqdn}. Please check log file for details.`
    : `Another transaction is in progress for ${lock.volume}. Please try again after some time.`;
  if (xml) {
    return result(`${XML_HEAD}  <opRet>-1</opRet>\n  <opErrno>30802</opErrno>\n  <opErrstr>${msg}</opErrstr>\n  <cliOp>volStatus</cliOp>\n  <output>${msg}</output>\n</cliOutput>\n`);
  }
  // Without a volume name the CLI prints a lone space and exits 0 (concurrent/volume-status-all-locked).
  return all ? result(' \n', `${msg}\n`) : failure(`${msg}\n`);
}
