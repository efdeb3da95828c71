import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 2, redis: true, workers: false });
});
afterAll(() => f?.stop());

test('with Redis gone, /migrate answers at once that nothing was started, and starts nothing', async () => {
  await f.redis!.stop();
  const started = performance.now();
  const { report } = await f.run('/migrate cirros1 compute02');
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(report.verdict).toBe('FAIL');
  expect(report.job).toBeUndefined();
  expect(report.reasons[0]).toBe(`Redis at ${f.redis!.url} is unreachable; nothing was started`);
  expect(f.liveMigrations()).toHaveLength(0);
});
