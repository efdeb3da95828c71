import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';
import type { Report } from '../src/report.js';
import { freePort, startRedis, type TestRedis } from './support/redis.js';
import { ferry } from './support/ferry-cli.js';

let dir: string;
let lab: Lab;
let redis: TestRedis;
let labYml: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-cli-run-'));
  [lab, redis] = await Promise.all([startLab({ dir, computes: 2, instances: 1, migrateSeconds: 1 }), startRedis()]);
  labYml = await readFile(lab.configPath, 'utf8');
});
afterAll(async () => {
  await Promise.allSettled([lab?.stop(), redis?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

/** The lab's ferry.yml with `edit` applied, written beside it (so its relative paths still hold). */
async function variant(name: string, edit: (text: string) => string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, edit(labYml));
  return file;
}

/** No FERRY_CONFIG or REDIS_URL from the environment the tests run in. */
const clean = { FERRY_CONFIG: undefined, REDIS_URL: undefined };

describe('ferry run', () => {
  test("uses ferry.yml's redis.url", async () => {
    const fromFile = await variant('redis.yml', (t) => `${t}redis:\n  url: ${redis.url}\n`);
    const { stdout } = await ferry(['run', '/evacuate status 3fa2b1c9', '--config', fromFile], { env: clean });
    expect(stdout).toMatch(/^No evacuation 3fa2b1c9\n/);
  });

  test("REDIS_URL overrides ferry.yml's redis.url", async () => {
    const deadPort = await freePort();
    const deadInFile = await variant('redis-dead.yml', (t) => `${t}redis:\n  url: redis://127.0.0.1:${deadPort}\n`);
    const b = await ferry(['run', '/evacuate status 3fa2b1c9', '--config', deadInFile], { env: { ...clean, REDIS_URL: redis.url } });
    expect(b.stdout).toMatch(/^No evacuation 3fa2b1c9\n/);
  });

  test("a Redis in ferry.yml that does not answer leaves read commands working, and says so", async () => {
    const deadPort = await freePort();
    const file = await variant('redis-down.yml', (t) => `${t}redis:\n  url: redis://127.0.0.1:${deadPort}\n`);
    const { code, stdout, stderr } = await ferry(['run', '/gluster status', '--config', file], { env: clean });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Storage: volume vm-instances\nVerdict: OK\n/);
    expect(stdout).toContain(`audit: Redis at redis://127.0.0.1:${deadPort} is unreachable; this entry went to the log only`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  test('--json prints only the final report of a job as JSON; progress goes to stderr', async () => {
    const { code, stdout, stderr } = await ferry(['run', '/migrate cirros1 compute02', '--json', '--config', lab.configPath], { env: { ...clean, REDIS_URL: redis.url } });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.verdict).toBe('OK');
    expect(report.title).toMatch(/cirros1/);
    expect(stderr).toMatch(/^… /m);
  });

  test('--json-lines prints every report of a job, first to final, one JSON object a line', async () => {
    const { code, stdout } = await ferry(['run', '/migrate cirros1 compute01', '--json-lines', '--config', lab.configPath], { env: { ...clean, REDIS_URL: redis.url } });
    expect(code).toBe(0);
    const reports = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Report);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]!.job).toBeDefined();
    expect(reports.at(-1)!.verdict).toBe('OK');
  });

  test('a wrong openstack.openrc is named with its node, and the shell message is not the answer', async () => {
    const file = await variant('no-openrc.yml', (t) => t.replace('/root/openrc', '/root/no-such-openrc'));
    const { code, stdout } = await ferry(['run', '/nova show cirros1', '--config', file], { env: clean });
    expect(code).toBe(1);
    expect(stdout).toBe(`/nova show failed\nVerdict: FAIL\n  - openstack.openrc /root/no-such-openrc does not exist on control (control.stack)\n\nbreak-glass: run as admin by OS user ${os.userInfo().username} (no cli.users entry in ferry.yml)\nasked by cli:${os.userInfo().username}\n`);
  });

  test('an expected failure is one report and one log line without a stack trace', async () => {
    const { code, stdout, stderr } = await ferry(['run', '/nova show nosuchvm', '--config', lab.configPath], { env: { ...clean, LOG_LEVEL: 'info' } });
    expect(code).toBe(1);
    expect(stdout).toContain("No server with a name or ID of 'nosuchvm' exists.");
    const failed = stderr.split('\n').filter((l) => l.includes('command failed')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failed).toEqual([expect.objectContaining({ code: 'not_found', reason: "No server with a name or ID of 'nosuchvm' exists." })]);
    expect(stderr).not.toMatch(/"stack"|\n\s+at /);
  });

  test('a missing ssh.key file is one line naming the setting, not a stack trace', async () => {
    const file = await variant('no-key.yml', (t) => t.replace('./id_ed25519', '/nonexistent/id_ed25519'));
    const { code, stdout, stderr } = await ferry(['run', '/gluster status', '--config', file], { env: clean });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('ferry: invalid configuration:\n  ssh.key: /nonexistent/id_ed25519 does not exist\n');
  });

  test('/ferry help works with no ferry.yml', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'ferry-no-config-'));
    try {
      const { code, stdout } = await ferry(['run', '/ferry help'], { env: clean, cwd: empty });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^ferry commands\n/);
      expect(stdout).toMatch(/^\/migrate <instance> <target-host>/m);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('with no ferry.yml, a command says how to get one', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'ferry-no-config-'));
    try {
      const { code, stderr } = await ferry(['run', '/gluster status'], { env: clean, cwd: empty });
      expect(code).toBe(2);
      expect(stderr).toContain(`${path.join(empty, 'ferry.yml')} does not exist. Copy `);
      expect(stderr).toMatch(/ferry\.example\.yml there and edit it/);
      expect(stderr).toContain('ferry lab start --dir DIR');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('a slash usage error lists the commands of the family one a line', async () => {
    const { code, stdout } = await ferry(['run', '/nova', '--config', lab.configPath], { env: clean });
    expect(code).toBe(1);
    expect(stdout).toBe(
      `Usage\nVerdict: FAIL\n  - unknown command /nova — try /nova help\n\nusage:\n  /nova show <instance>\n  /nova list [--host HOST]\n  /nova services\n  /nova hypervisors\n  /nova service-enable <host>\nbreak-glass: run as admin by OS user ${os.userInfo().username} (no cli.users entry in ferry.yml)\n`,
    );
  });
});
