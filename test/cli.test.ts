import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const run = promisify(execFile);

/** `ferry ARGS` as a separate process; resolves with its output and exit code. */
async function ferry(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

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
    const { code, stdout } = await ferry(['run', '/gluster status'], { FERRY_CONFIG: lab.configPath });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Storage: volume vm-instances\nVerdict: OK\n/);
    const bricks = stdout.split('\n\n').find((block) => block.startsWith('Bricks\n'))!.split('\n');
    expect(bricks[1]).toMatch(/^Brick\s+Node\s+Online\s+PID\s+Port$/);
    // Columns line up: every row has "Y" under "Online".
    const col = bricks[1]!.indexOf('Online');
    expect(bricks.slice(3).map((row) => row[col])).toEqual(['Y', 'Y', 'Y']);
  });

  test('`ferry run "/nova show cirros1" --json` prints the report as JSON', async () => {
    const { code, stdout } = await ferry(['run', '/nova show cirros1', '--json'], { FERRY_CONFIG: lab.configPath });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { title: string; verdict: string; tables: { title: string; rows: string[][] }[] };
    expect(report.title).toMatch(/^Instance cirros1 \(/);
    expect(report.tables[0]!.rows).toContainEqual(['host', 'compute01']);
  });

  test('a bad line exits 1 with the usage; nothing reaches the lab', async () => {
    const before = lab.calls().length;
    const { code, stdout } = await ferry(['run', "/nova show 'x\t; reboot'"], { FERRY_CONFIG: lab.configPath });
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
