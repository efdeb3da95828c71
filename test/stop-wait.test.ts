/**
 * Stopping ferry (SIGTERM) waits for the commands in flight, but not past what the
 * service manager allows: a command still running when the wait runs out is ended,
 * and its user is told that whether it ran is unknown, instead of ferry being killed
 * with no word to anyone. ferry runs in this process against the lab (one node hung),
 * a real redis-server and the Slack fake, through signed requests.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHANNEL, startHarness, until, type Harness } from './support/harness.js';

/** A deadline on a condition, not a measurement. */
const DEADLINE_MS = 60_000;

let h: Harness;
beforeAll(async () => {
  // SSH deadlines far past the test: only the stop wait can end the hung command.
  h = await startHarness({ stopWaitMs: 1000, ssh: { connectTimeoutMs: 600_000, commandTimeoutMs: 600_000 } });
});
afterAll(async () => {
  await h?.lab.fault('compute02', 'unhang');
  await h?.stop();
});

test('a command still running when the stop wait runs out is ended and its user told UNKNOWN; ferry stops', async () => {
  const glusterCalls = () => h.lab.calls().filter((c) => c.argv[0] === 'gluster').length;
  await h.lab.fault('compute02', 'hang');
  expect((await h.slash('/gluster status', { user: 'U_OPS' })).status).toBe(200);
  await until(() => glusterCalls() || undefined, DEADLINE_MS, 'the first gluster call of /gluster status');

  await h.stopFerry();
  const told = await h.waitForEphemeral((text) => text.includes('ferry stopped before it finished this request'), DEADLINE_MS);
  expect(told).toContain('/gluster status');
  expect(told).toContain('whether it ran is unknown');
  expect(told).toContain('UNKNOWN');
  expect(h.slack.messages(CHANNEL).filter((m) => m.text.startsWith('Storage: volume'))).toEqual([]);
});
