/**
 * glusterd's transaction lock: `volume status` run while another transaction
 * holds the volume's lock answers `Another transaction is in progress` or
 * `Locking failed on NODE` (real/gluster-10.3/concurrent). ferry tries again
 * with a jittered backoff and, if the lock stays busy, says the state is
 * unknown; it never fails the volume for it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { GlusterOps, type BusyRetry } from '../src/cluster/gluster.js';
import { collectStorageHealth } from '../src/cluster/storage-health.js';
import { preflightMigration } from '../src/cluster/preflight.js';
import type { Cluster } from '../src/cluster/cluster.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 1 });
});
afterAll(() => f?.stop());
afterEach(() => f.undoFaults());

/** A cluster whose GlusterOps sleeps on an injected clock: the waits are recorded, not spent. */
function withRecordedSleeps(): { cluster: Cluster; waits: number[] } {
  const waits: number[] = [];
  const retry: BusyRetry = { attempts: 4, baseDelayMs: 250, random: () => 0.5, sleep: async (ms) => void waits.push(ms) };
  return { cluster: { ...f.rt.cluster, gluster: new GlusterOps(f.rt.ssh, f.config, retry) }, waits };
}

const statusCalls = (from: number) => f.lab.calls().slice(from).filter((c) => c.argv.join(' ') === 'gluster --xml volume status vm-instances');

describe('a volume status that meets the lock', () => {
  test('is asked again after a backoff, and the answer of the try that got through is used', async () => {
    await f.fault('compute03', 'gluster-locked', ['gluster-unlocked'], '2');
    const { cluster, waits } = withRecordedSleeps();
    const n = f.lab.calls().length;
    const status = await cluster.gluster.volumeStatus('compute01', 'vm-instances');
    expect(status.bricks.map((b) => b.online)).toEqual([true, true, true]);
    expect(statusCalls(n)).toHaveLength(3);
    expect(waits).toEqual([250, 500]);
  });

  test('"Locking failed on NODE" is the same lock: tried again', async () => {
    await f.fault('compute03', 'gluster-locked', ['gluster-unlocked'], '1 locking-failed');
    const { cluster, waits } = withRecordedSleeps();
    expect((await cluster.gluster.volumeStatus('compute02', 'vm-instances')).bricks).toHaveLength(3);
    expect(waits).toEqual([250]);
  });

  test('the backoff is jittered, so nodes asking at once spread out', async () => {
    await f.fault('compute03', 'gluster-locked', ['gluster-unlocked'], '1');
    const waits: number[] = [];
    const g = new GlusterOps(f.rt.ssh, f.config, { attempts: 4, baseDelayMs: 250, random: () => 0.9, sleep: async (ms) => void waits.push(ms) });
    await g.volumeStatus('compute01', 'vm-instances');
    expect(waits).toEqual([350]);
  });

  test('a lock that stays busy: the volume state is unknown, never a FAIL', async () => {
    await f.fault('compute03', 'gluster-locked', ['gluster-unlocked']);
    const { cluster, waits } = withRecordedSleeps();
    await expect(cluster.gluster.volumeStatus('compute01', 'vm-instances')).rejects.toMatchObject({
      kind: 'busy',
      message: expect.stringMatching(/^state unknown: glusterd's transaction lock was busy on 4 tries of gluster volume status vm-instances \(Another transaction is in progress for vm-instances\. Please try again after some time\.\)$/),
    });
    expect(waits).toEqual([250, 500, 1000]);

    const health = await collectStorageHealth(cluster);
    expect(health.verdict).toBe('WARN');
    expect(health.reasons.filter((r) => r.level === 'FAIL')).toEqual([]);
    expect(health.reasons).toContainEqual({ level: 'WARN', text: expect.stringMatching(/^volume vm-instances: state unknown: glusterd's transaction lock was busy/) });

    const pre = await preflightMigration(cluster, 'cirros1', 'compute02');
    expect(pre.checks.find((c) => c.check === 'volume vm-instances')).toMatchObject({ verdict: 'WARN', detail: expect.stringMatching(/^state unknown: glusterd's transaction lock was busy/) });
    expect(pre.verdict).not.toBe('FAIL');
  });

  test('/gluster status with the lock busy says WARN, state unknown, not FAIL', async () => {
    await f.fault('compute03', 'gluster-locked', ['gluster-unlocked']);
    const { report } = await f.run('/gluster status', 'U_VIEWER');
    expect(report.verdict).toBe('WARN');
    expect(report.reasons.join('\n')).toMatch(/WARN: volume vm-instances: state unknown: glusterd's transaction lock was busy/);
  });
});
