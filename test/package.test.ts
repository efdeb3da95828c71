/**
 * The published package: `npm pack`, `npm install -g` into a temporary prefix
 * (from the tarball and the local npm cache; the registry only for what the
 * cache lacks), then the installed `ferry` run from outside the checkout.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PREFIX, QUEUE } from '../src/jobs/jobs.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { startSlackFake, type SlackFake } from './support/slack-fake.js';
import { ferryHttpEnv, SECRET } from './support/harness.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
const run = promisify(execFile);

let tmp: string;
let tarball: string;
let ferryBin: string;
let installed: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'ferry-pack-'));
  // `npm pack` runs prepack (npm run build) first.
  await run('npm', ['pack', '--pack-destination', tmp, '--silent'], { cwd: REPO, maxBuffer: 16 << 20 });
  tarball = path.join(tmp, (await readdir(tmp)).find((f) => f.endsWith('.tgz'))!);
  const prefix = path.join(tmp, 'prefix');
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: tmp, maxBuffer: 16 << 20 });
  ferryBin = path.join(prefix, 'bin', 'ferry');
  installed = path.join(prefix, 'lib', 'node_modules', 'ferry');
}, 600_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The installed `ferry ARGS`, run from the temporary directory (not the checkout). */
async function ferry(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(ferryBin, args, { cwd: tmp, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts the installed ferry with ARGS; resolves once stdout matches `ready`. */
async function startInstalled(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ proc: ChildProcess; match: RegExpExecArray; stop(): Promise<number | null> }> {
  const proc = spawn(ferryBin, args, { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ferry ${args.join(' ')} did not print ${ready} within 120 s: ${out}`)), 120_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`ferry ${args.join(' ')} exited ${code}: ${out}`)));
  });
  return {
    proc,
    match,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

describe('the npm package', () => {
  test('holds the built program, the example config and the deploy files: no TypeScript, tests or fixtures', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/lab/lab.js');
    expect(files).toContain('dist/commands/index.js');
    expect(files).toContain('ferry.example.yml');
    expect(files).toContain('deploy/Dockerfile');
    expect(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.includes('fixtures') || f.startsWith('src/'))).toEqual([]);
  });

  test('installs without tsx: the bin runs dist/ as plain JavaScript', async () => {
    const deps = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };
    expect(Object.keys(deps.dependencies)).not.toContain('tsx');
    expect(deps.bin.ferry).toBe('dist/src/cli/main.js');
  });

  test('`ferry --version` prints the package version; --help names every sub-command', async () => {
    expect((await ferry(['--version'])).stdout.trim()).toBe(pkg.version);
    const help = await ferry(['--help']);
    expect(help.code).toBe(0);
    for (const sub of ['run', 'serve', 'worker', 'approve', 'lab', 'demo', 'config check']) expect(help.stdout).toContain(`  ${sub} `);
  });

  test('`ferry run "/ferry help"` with no ferry.yml lists the commands and names an example config that exists', async () => {
    const r = await ferry(['run', '/ferry help'], { FERRY_CONFIG: path.join(tmp, 'no-such-ferry.yml') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ferry commands\n/);
    expect(r.stdout).toContain('/gluster status');
    const example = /Copy (\S+) there/.exec(r.stdout)?.[1];
    expect(example).toBe(path.join(installed, 'ferry.example.yml'));
    expect(readFileSync(example!, 'utf8')).toMatch(/^nodes:/m);
  });

  test('every sub-command answers -h and --help with its own usage', async () => {
    for (const sub of ['run', 'serve', 'worker', 'approve', 'demo', 'config']) {
      for (const flag of ['-h', '--help']) {
        const r = await ferry([sub, flag]);
        expect({ sub, flag, code: r.code, first: r.stdout.split('\n')[0] }).toEqual({ sub, flag, code: 0, first: expect.stringMatching(new RegExp(`^usage: ferry ${sub}`)) });
      }
    }
    const lab = await ferry(['lab', 'start', '--help']);
    expect(lab.code).toBe(0);
    expect(lab.stdout).toMatch(/^usage: ferry lab <action>/);
  });

  test('`ferry lab start`, `ferry run` against it and `ferry lab stop`, all from the installed copy', async () => {
    const dir = path.join(tmp, 'lab');
    const start = await ferry(['lab', 'start', '--dir', dir, '--computes', '3', '--instances', '2']);
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    try {
      const status = await ferry(['run', '/gluster status'], { FERRY_CONFIG: path.join(dir, 'ferry.yml') });
      expect(status.stdout).toMatch(/^Storage: volume vm-instances\nVerdict: OK\n/);
      const show = await ferry(['run', '/nova show cirros1', '--json'], { FERRY_CONFIG: path.join(dir, 'ferry.yml') });
      expect((JSON.parse(show.stdout) as { tables: { rows: string[][] }[] }).tables[0]!.rows).toContainEqual(['host', 'compute01']);
    } finally {
      const stop = await ferry(['lab', 'stop', '--dir', dir]);
      expect(stop.stdout).toMatch(/stopped/);
      expect(stop.code).toBe(0);
    }
  });

  describe('with a Redis and the Slack fake', () => {
    const dir = () => path.join(tmp, 'lab-serve');
    let redis: TestRedis;
    let slack: SlackFake;
    let env: Record<string, string>;
    beforeAll(async () => {
      [redis, slack] = await Promise.all([startRedis(), startSlackFake()]);
      expect((await ferry(['lab', 'start', '--dir', dir(), '--computes', '2', '--instances', '1'])).code).toBe(0);
      env = ferryHttpEnv({ configPath: path.join(dir(), 'ferry.yml'), slack, redisUrl: redis.url, secret: SECRET });
    }, 180_000);
    afterAll(async () => {
      await ferry(['lab', 'stop', '--dir', dir()]);
      await Promise.all([redis?.stop(), slack?.close()]);
    });

    test('`ferry serve` starts with V8’s memory reducer off, answers GET /healthz and stops on SIGTERM', async () => {
      const serve = await startInstalled(['serve', '--host', '127.0.0.1'], env, /ferry serving on port (\d+)/);
      try {
        // The program's first line starts node with the flag (docs/DESIGN.md, "V8's memory reducer is off").
        const argv = (await readFile(`/proc/${serve.proc.pid}/cmdline`, 'utf8')).split('\0');
        expect(argv[0]).toMatch(/node$/);
        expect(argv).toContain('--no-memory-reducer');
        const res = await fetch(`http://127.0.0.1:${serve.match[1]}/healthz`);
        expect(res.status).toBe(200);
      } finally {
        expect(await serve.stop()).toBe(0);
      }
    });

    test('`ferry worker` starts, works the migrate queue on the Redis and stops on SIGTERM', async () => {
      const worker = await startInstalled(['worker'], env, /ferry worker ready/);
      const queue = new Queue(QUEUE.migrate, { connection: { url: redis.url }, prefix: PREFIX });
      try {
        const deadline = Date.now() + 60_000;
        while ((await queue.getWorkers()).length === 0) {
          if (Date.now() > deadline) throw new Error('the installed ferry worker did not register on the migrate queue within 60 s');
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await queue.close();
        expect(await worker.stop()).toBe(0);
      }
    });
  });
});
