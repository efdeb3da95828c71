/**
 * Output cut by the SSH output cap is refused where it reaches the parsers: a
 * `nova list` over the cap must not lose rows silently, nor an evacuation plan
 * its instances.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { startLabFerry, reportText, type LabFerry } from './support/lab-ferry.js';
import { createFerry, type Ferry } from '../src/ferry.js';
import { dispatch } from '../src/dispatch.js';
import type { Config } from '../src/config.js';

// 60 instances make `nova list` about 9 kB; everything else an evacuation plan reads (a `nova show` is 5.5 kB) fits in 6 kB.
const CAP = 6000;
let f: LabFerry;
let rt: Ferry;
let config: Config;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 60 });
  config = { ...f.config, ssh: { ...f.config.ssh, maxOutputBytes: CAP } };
  rt = await createFerry(config, pino({ level: 'silent' }), { redis: false });
});
afterAll(async () => {
  await rt?.close();
  await f?.stop();
});

const run = (line: string) => dispatch({ line, userId: 'U_OPS', channel: 'cli' }, rt.dispatchDeps());
const cutLine = new RegExp(`^nova list --all-tenants --limit -1 on control: the output went over the ${CAP}-byte cap \\(ssh\\.maxOutputBytes\\) and was cut`);

describe('output over the cap is never parsed', () => {
  test('/nova list over the cap: FAIL naming the command, the node and the cap, no table of the rows that fitted', async () => {
    const { report } = await run('/nova list');
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toEqual([expect.stringMatching(cutLine)]);
    expect(report.tables).toEqual([]);
  });

  test('/evacuate plan over the cap: FAIL naming the truncation, no plan', async () => {
    const { report } = await run('/evacuate compute01 --dry-run');
    expect(report.verdict).toBe('FAIL');
    expect(reportText(report)).toMatch(/was cut; ferry does not read a cut answer/);
    expect(report.reasons[0]).toMatch(/^nova list .* on control: the output went over the 6000-byte cap/);
    expect(report.tables).toEqual([]);
    expect(f.lab.calls().filter((c) => c.argv.includes('live-migration'))).toHaveLength(0);
  });

  test('under the default cap the same lab answers whole', async () => {
    const { report } = await f.run('/nova list');
    expect(report.verdict).not.toBe('FAIL');
    expect(report.tables[0]!.rows).toHaveLength(60);
  });
});
