import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';
import { ferry } from './support/ferry-cli.js';

let dir: string;
let lab: Lab;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-cli-'));
  lab = await startLab({ dir, computes: 3, instances: 2 });
});
afterAll(async () => {
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the ferry command line', () => {
  test('`ferry run "/gluster status"` prints the verdict and aligned tables', async () => {
    const { code, stdout } = await ferry(['run', '/gluster status'], { env: { FERRY_CONFIG: lab.configPath } });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Storage: volume vm-instances\nVerdict: OK\n/);
    const bricks = stdout.split('\n\n').find((block) => block.startsWith('Bricks\n'))!.split('\n');
    expect(bricks[1]).toMatch(/^Brick\s+Node\s+Online\s+PID\s+Port$/);
    // Columns line up: every row has "Y" under "Online".
    const col = bricks[1]!.indexOf('Online');
    expect(bricks.slice(3).map((row) => row[col])).toEqual(['Y', 'Y', 'Y']);
  });

  test('`ferry run "/nova show cirros1" --json` prints the report as JSON', async () => {
    const { code, stdout } = await ferry(['run', '/nova show cirros1', '--json'], { env: { FERRY_CONFIG: lab.configPath } });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { title: string; verdict: string; tables: { title: string; rows: string[][] }[] };
    expect(report.title).toMatch(/^Instance cirros1 \(/);
    expect(report.tables[0]!.rows).toContainEqual(['host', 'compute01']);
  });

  test('a bad line exits 1 with the usage; nothing reaches the lab', async () => {
    const before = lab.calls().length;
    const { code, stdout } = await ferry(['run', "/nova show 'x\t; reboot'"], { env: { FERRY_CONFIG: lab.configPath } });
    expect(code).toBe(1);
    expect(stdout).toMatch(/usage: \/nova show <instance>/);
    expect(lab.calls()).toHaveLength(before);
  });

  test('`ferry config check` names every bad key, one line each', async () => {
    const bad = path.join(dir, 'bad.yml');
    await writeFile(bad, 'nodes:\n  control: {name: control, host: 127.0.0.1}\n  computes:\n    - {name: compute01, host: "comp ute"}\nssh: {key: k}\n');
    const { code, stderr } = await ferry(['config', 'check', bad]);
    expect(code).toBe(2);
    expect(stderr).toContain('nodes.computes[0].host: expected a host name, got "comp ute"');
    expect(stderr).toMatch(/ssh\.knownHosts: /);
  });
});
