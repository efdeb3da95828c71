import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 2, redis: true, workers: false });
});
afterAll(() => f?.stop());

test('with Redis gone, /migrate answers at once that nothing was started, and starts nothing', async () => {
  await f.redis!.stop();
  // "At once": ferry does not queue the request until Redis is back. A generous deadline, not a measurement.
  const answer = f.run('/migrate cirros1 compute02');
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('/migrate did not answer within 30 s with Redis gone: it waits for Redis instead of failing')), 30_000).unref());
  const { report } = await Promise.race([answer, deadline]);
  expect(report.verdict).toBe('FAIL');
  expect(report.job).toBeUndefined();
  expect(report.reasons[0]).toMatch(/Redis is unreachable.*nothing was started/);
  expect(f.liveMigrations()).toHaveLength(0);
});
