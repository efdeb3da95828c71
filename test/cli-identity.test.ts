/**
 * The terminal's identity: `ferry run` and `ferry approve` act as the Slack id
 * ferry.yml's cli.users gives the OS user, `--as` cannot name anyone else, an
 * approval by the requester under either identity is refused, and a `ferry run`
 * without a mapping is break-glass admin, said so in the answer and the audit.
 * Through the real CLI against a lab and a real redis-server.
 */
import os from 'node:os';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { ferry } from './support/ferry-cli.js';
import { getApproval } from '../src/jobs/approvals.js';

const me = os.userInfo().username;
let f: LabFerry;
/** ferry.yml files: without cli.users, and with this OS user mapped to U_APPROVER or U_OPS. */
const cfg = { unmapped: '', approver: '', operator: '' };

beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 6, redis: { persist: true }, workers: false });
  const file = parseYaml(await readFile(f.lab.configPath, 'utf8')) as Record<string, unknown>;
  const dir = path.dirname(f.lab.configPath);
  for (const [name, users] of [['unmapped', undefined], ['approver', { [me]: 'U_APPROVER' }], ['operator', { [me]: 'U_OPS' }]] as const) {
    cfg[name] = path.join(dir, `ferry-${name}.yml`);
    await writeFile(cfg[name], stringifyYaml(users ? { ...file, cli: { users } } : file));
  }
});
afterAll(() => f?.stop());

const as = (config: string) => ({ env: { FERRY_CONFIG: config, REDIS_URL: f.redis!.url } });
const audit = (n = 20) => f.rt.audit.recent(n);
const decided = async (id: string) => (await getApproval(f.rt.jobs!.redis, id))?.decision ?? null;

/** An evacuation request made in Slack by `user`; its approval id. */
async function requested(host: string, user: string): Promise<string> {
  const { report } = await f.run(`/evacuate ${host}`, user);
  expect(report.approval, report.reasons.join('; ')).toBeDefined();
  return report.approval!.id;
}

describe('ferry approve', () => {
  test('--as naming someone other than the mapped id is refused, audited, and decides nothing', async () => {
    const id = await requested('compute02', 'U_OPS');
    const r = await ferry(['approve', id, '--as', 'U_ADMIN'], as(cfg.approver));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`--as U_ADMIN is not OS user ${me}'s Slack id: ferry.yml's cli.users maps ${me} to U_APPROVER`);
    expect(await decided(id)).toBeNull();
    expect((await audit(1))[0]).toMatchObject({ user: `cli:${me} as U_APPROVER`, outcome: 'refused' });
  });

  test('an OS user without a cli.users entry cannot approve', async () => {
    const id = await requested('compute02', 'U_OPS');
    const r = await ferry(['approve', id], as(cfg.unmapped));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`OS user ${me} has no Slack id in ferry.yml's cli.users`);
    expect(await decided(id)).toBeNull();
  });

  test('the requester (by Slack id) cannot approve from the terminal', async () => {
    const id = await requested('compute03', 'U_APPROVER');
    const r = await ferry(['approve', id], as(cfg.approver));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/cannot approve your own request/);
    expect(await decided(id)).toBeNull();
  });

  test('a break-glass request by this OS user cannot be approved by them under their mapped id', async () => {
    const run = await ferry(['run', '/evacuate compute03', '--json', '--redis', '--no-worker'], as(cfg.unmapped));
    const report = JSON.parse(run.stdout) as { approval?: { id: string }; notes: string[] };
    expect(report.notes).toContain(`break-glass: run as admin by OS user ${me} (no cli.users entry in ferry.yml)`);
    expect((await audit(5)).find((e) => e.command === 'evacuate')).toMatchObject({ user: `cli:${me} (break-glass admin)` });
    const r = await ferry(['approve', report.approval!.id], as(cfg.approver));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`you cannot approve your own request (you asked as cli:${me})`);
    expect(await decided(report.approval!.id)).toBeNull();
  });

  test("another person's request is approved as the mapped id, and the audit names the OS user and the id", async () => {
    const id = await requested('compute01', 'U_OPS');
    const r = await ferry(['approve', id], as(cfg.approver));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await decided(id)).toMatchObject({ decision: 'approve', by: 'U_APPROVER' });
    expect((await audit()).find((e) => e.outcome === 'approved')).toMatchObject({ user: `cli:${me} as U_APPROVER`, channel: 'cli' });
  });
});

test('ferry approve while Redis is unreachable decides nothing and says so in one line; the request can be approved once Redis is back', async () => {
  const id = await requested('compute03', 'U_OPS');
  await f.redis!.stop();
  let r;
  try {
    r = await ferry(['approve', id], as(cfg.approver));
  } finally {
    await f.redis!.start();
  }
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(`Redis at ${f.redis!.url} is unreachable; nothing was started`);
  expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^\s+at /m);
  await expect.poll(() => f.rt.redisReady(), { timeout: 30_000 }).toBe(true);
  expect(await decided(id)).toBeNull();
  const again = await ferry(['approve', id], as(cfg.approver));
  expect(again.code, again.stdout + again.stderr).toBe(0);
  expect(await decided(id)).toMatchObject({ decision: 'approve', by: 'U_APPROVER' });
});

describe('ferry run', () => {
  test("acts with the mapped id's role, audited as the OS user and the id, without a break-glass line", async () => {
    const r = await ferry(['run', '/ferry audit 1', '--redis'], as(cfg.operator));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('/ferry audit needs the admin role; you have operator');
    expect(r.stdout).not.toMatch(/break-glass/);
    expect((await audit(1))[0]).toMatchObject({ user: `cli:${me} as U_OPS`, command: 'ferry audit', outcome: 'refused' });
  });

  test('--as another Slack id is refused and nothing runs', async () => {
    const calls = f.lab.calls().length;
    const r = await ferry(['run', '/gluster status', '--as', 'U_ADMIN', '--redis'], as(cfg.operator));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--as U_ADMIN is not OS user ${me}'s Slack id`);
    expect(f.lab.calls().length).toBe(calls);
  });
});
