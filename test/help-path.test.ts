/**
 * `ferry run "/ferry help"` is how a newcomer starts, and it starts cold: the help
 * path loads neither the job machinery (bullmq), nor the Slack client, nor the lab,
 * nor ssh2 (not even its key parser, though ferry.yml names a real key).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';
import { ferry } from './support/ferry-cli.js';

const TRACE = pathToFileURL(fileURLToPath(new URL('./support/trace-loads.mjs', import.meta.url))).href;
let dir: string;
let lab: Lab;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-help-path-'));
  lab = await startLab({ dir: path.join(dir, 'lab'), computes: 1, instances: 1 });
});
afterAll(async () => {
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('ferry run "/ferry help" answers without loading bullmq, @slack/*, ssh2 or the lab', async () => {
  const trace = path.join(dir, 'loads.txt');
  const r = await ferry(['run', '/ferry help'], { env: { FERRY_CONFIG: lab.configPath, FERRY_TRACE_LOADS: trace, NODE_OPTIONS: `--import ${TRACE}` } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('/migrate <instance> <target-host>');
  const loaded = (await readFile(trace, 'utf8')).split('\n');
  // The trace sees the path itself: the run command and the catalog's argument schemas.
  expect(loaded.some((l) => l.includes('/src/cli/run.ts'))).toBe(true);
  expect(loaded.some((l) => /node_modules\/zod\//.test(l))).toBe(true);
  const unwanted = loaded.filter((l) => /bullmq|@slack\/|ssh2|\/src\/lab\//.test(l));
  expect(unwanted).toEqual([]);
});
