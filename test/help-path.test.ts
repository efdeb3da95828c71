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

test('ferry run "/ferry help" loads the catalog, not what its commands run: no job, preflight, plan or health module', async () => {
  const trace = path.join(dir, 'loads-catalog.txt');
  const r = await ferry(['run', '/ferry help'], { env: { FERRY_CONFIG: lab.configPath, FERRY_TRACE_LOADS: trace, NODE_OPTIONS: `--import ${TRACE}` } });
  expect(r.code).toBe(0);
  const loaded = (await readFile(trace, 'utf8')).split('\n');
  // Every command file is loaded (help lists them all)...
  expect(loaded.some((l) => l.includes('/commands/migrate.ts'))).toBe(true);
  expect(loaded.some((l) => l.includes('/commands/evacuate.ts'))).toBe(true);
  // ...but what their run, plan and execute use is imported when they run.
  const runOnly = /\/src\/jobs\/(migration|migration-abort|evacuation|evacuation-executor|evacuation-report|job-list|approvals|approval-actions|bootstrap|redis-job-desk|gluster-volume-executors)\.ts|\/src\/cluster\/(storage-health|preflight|evacuation-plan|bootstrap|volume-create|volume-stop|volume-checks|hypervisor-lookup|gluster-pool|ask-computes)\.ts/;
  expect(loaded.filter((l) => runOnly.test(l))).toEqual([]);
});
