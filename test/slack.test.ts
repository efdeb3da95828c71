/**
 * ferry as Slack sees it: signed slash commands and button presses, sent the
 * way Slack sends them, to the real Bolt app in HTTP mode, with a lab behind
 * real SSH, a real redis-server and the Slack Web API fake in front.
 */
import { WebClient, LogLevel } from '@slack/web-api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SlackPoster } from '../src/slack/poster.js';
import { report } from '../src/report.js';
import { CHANNEL, SECRET, startHarness, type Harness } from './support/harness.js';
import { startSlackFake, type FakeMessage, type SlackFake } from './support/slack-fake.js';
import { sample } from './support/prometheus.js';

const STALE_SECONDS = 6 * 60;

describe('ferry over Slack HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('/gluster status is acked and ends as one table message in the channel', async () => {
    const ack = await h.slash('/gluster status', { user: 'U_VIEWER' });
    expect(ack.status).toBe(200);
    const msg = await h.waitForMessage((m) => m.text.startsWith('Storage: volume vm-instances'));
    expect(tableBlocks(msg)).toBe(1);
    expect(JSON.stringify(msg.blocks)).toMatch(/compute01\.stack:\/gluster\/instances/);
    expect(shown(msg)).toContain('asked by <@U_VIEWER>');
  });

  test('/nova show cirros1 ends as one table message in the channel', async () => {
    const ack = await h.slash('/nova show cirros1', { user: 'U_VIEWER' });
    expect(ack.status).toBe(200);
    const msg = await h.waitForMessage((m) => m.text.startsWith('Instance cirros1'));
    expect(tableBlocks(msg)).toBe(1);
    expect(msg.text).toMatch(/ACTIVE on compute\d\d/);
  });

  test('a bad line gets the usage, only for the user who typed it, and runs nothing', async () => {
    const before = snapshot(h);
    // Shell characters are nova's to judge as a name (argv quoting keeps them inert); a control character cannot be one.
    await h.slash(`/migrate 'cirros1\t; rm -rf /' compute02`, { user: 'U_OPS' });
    const answer = await nextEphemeral(h, before);
    expect(answer.user).toBe('U_OPS');
    expect(answer.text).toMatch(/expected an instance name or UUID, got "cirros1\\t; rm -rf \/"/);
    expect(shown(answer)).toMatch(/usage: \/migrate <instance> <target-host>/);
    expect(h.lab.calls()).toHaveLength(before.labCalls);
    expect(h.slack.messages()).toHaveLength(before.messages);
    expect((await h.audit(1))[0]).toMatchObject({ user: 'U_OPS', command: 'migrate', outcome: 'usage' });
  });

  test('a slash command ferry does not know is answered with a pointer to /ferry help', async () => {
    const before = snapshot(h);
    expect((await h.slash('/nosuch thing', { user: 'U_OPS' })).status).toBe(200);
    const answer = await nextEphemeral(h, before);
    expect(answer.text).toMatch(/unknown command \/nosuch thing — try \/ferry help/);
    expect(h.lab.calls()).toHaveLength(before.labCalls);
  });

  test('/gluster stauts is answered, only to its typist, with the closest command and the usages one a line', async () => {
    const before = snapshot(h);
    expect((await h.slash('/gluster stauts', { user: 'U_OPS' })).status).toBe(200);
    const answer = await nextEphemeral(h, before);
    expect(answer.user).toBe('U_OPS');
    expect(answer.text).toMatch(/unknown command \/gluster stauts — did you mean \/gluster status\?/);
    expect(JSON.stringify(answer.blocks)).toContain('usage:\\n/gluster status [VOLUME]\\n/gluster peers\\n');
    expect(h.lab.calls()).toHaveLength(before.labCalls);
  });

  test('/migrate help shows its usage, examples and role to the caller only', async () => {
    const before = snapshot(h);
    await h.slash('/migrate help', { user: 'U_VIEWER' });
    const answer = await nextEphemeral(h, before);
    const blocks = JSON.stringify(answer.blocks);
    expect(blocks).toContain('/migrate cirros1 compute02 --dry-run');
    expect(blocks).toContain('operator');
    expect(h.slack.messages()).toHaveLength(before.messages);
  });

  test('a forged signature and a stale timestamp get 401 and run nothing', async () => {
    const before = snapshot(h);
    const audited = (await h.audit()).length;
    const forged = await h.slash('/gluster status', { user: 'U_ADMIN', signature: `v0=${'0'.repeat(64)}` });
    const stale = await h.slash('/gluster status', { user: 'U_ADMIN', timestamp: Math.floor(Date.now() / 1000) - STALE_SECONDS });
    expect([forged.status, stale.status]).toEqual([401, 401]);

    // A genuine request right after them is answered; they left no trace.
    await h.slash('/ferry help', { user: 'U_VIEWER' });
    await nextEphemeral(h, before);
    expect(h.lab.calls()).toHaveLength(before.labCalls);
    expect(h.slack.messages()).toHaveLength(before.messages);
    expect(h.slack.ephemerals()).toHaveLength(before.ephemerals + 1);
    const audit = await h.audit();
    expect(audit).toHaveLength(audited + 1);
    expect(audit[0]).toMatchObject({ user: 'U_VIEWER', command: 'ferry help' });
  });

  test('a user without the role is refused, nothing runs, and the refusal is in the audit trail', async () => {
    const before = snapshot(h);
    await h.slash('/migrate cirros1 compute02 --dry-run', { user: 'U_VIEWER' });
    const answer = await nextEphemeral(h, before);
    expect(answer.text).toMatch(/Not allowed/);
    expect(JSON.stringify(answer.blocks)).toMatch(/\/migrate needs the operator role; you have viewer/);
    expect(h.lab.calls()).toHaveLength(before.labCalls);
    expect((await h.audit(1))[0]).toMatchObject({ user: 'U_VIEWER', command: 'migrate', line: '/migrate cirros1 compute02 --dry-run', outcome: 'refused' });

    // An admin sees it with /ferry audit, as a table in the channel.
    await h.slash('/ferry audit 5', { user: 'U_ADMIN' });
    const trail = await h.waitForMessage((m) => m.text.startsWith('Audit trail'));
    expect(tableBlocks(trail)).toBe(1);
    expect(tableRows(trail)[0]).toEqual(['When (UTC)', 'User', 'Command', 'Line', 'Outcome', 'Detail']);
    expect(tableRows(trail)).toContainEqual([expect.any(String), 'U_VIEWER', 'migrate', '/migrate cirros1 compute02 --dry-run', 'refused', '/migrate needs the operator role; you have viewer']);
  });

  test('only an admin may read the audit trail', async () => {
    const before = snapshot(h);
    await h.slash('/ferry audit', { user: 'U_OPS' });
    const answer = await nextEphemeral(h, before);
    expect(JSON.stringify(answer.blocks)).toMatch(/\/ferry audit needs the admin role; you have operator/);
    expect(h.slack.messages()).toHaveLength(before.messages);
  });

  test('a redelivered request (same trigger_id, X-Slack-Retry-Num) runs once', async () => {
    const peers = () => h.slack.messages().filter((m) => m.text.startsWith('Gluster peers'));
    const peersAudited = async () => (await h.audit()).filter((e) => e.command === 'gluster peers').length;

    // One ordinary run, to know what a run costs.
    let before = snapshot(h);
    await h.slash('/gluster peers', { user: 'U_OPS' });
    await waitUntil(() => peers().length > 0, 'the first peers message');
    const oneRun = h.lab.calls().length - before.labCalls;
    expect(oneRun).toBeGreaterThan(0);

    before = snapshot(h);
    const [messagesBefore, auditedBefore] = [peers().length, await peersAudited()];
    const triggerId = 'T-redelivered.1';
    // The first delivery and a retry of it side by side, then a late retry.
    const acks = await Promise.all([h.slash('/gluster peers', { user: 'U_OPS', triggerId }), h.slash('/gluster peers', { user: 'U_OPS', triggerId, retryNum: 1 })]);
    await waitUntil(() => peers().length > messagesBefore, 'the redelivered peers message');
    acks.push(await h.slash('/gluster peers', { user: 'U_OPS', triggerId, retryNum: 2 }));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200]);

    // Another request after the retries; once it is answered, the retries have been handled.
    await h.slash('/ferry help', { user: 'U_OPS' });
    await nextEphemeral(h, before);
    expect(peers()).toHaveLength(messagesBefore + 1);
    expect(await peersAudited()).toBe(auditedBefore + 1);
    expect(h.lab.calls().length - before.labCalls).toBe(oneRun);
  });

  test('an approval button press is acked at once and answered; an unknown approval approves nothing', async () => {
    const before = snapshot(h);
    const ack = await h.button('ferry_approve', 'no-such-approval', { user: 'U_APPROVER', messageTs: '1700000000.000100' });
    expect(ack.status).toBe(200);
    const answer = await nextEphemeral(h, before);
    expect(answer.text).toMatch(/Not approved/);
    expect(h.lab.calls()).toHaveLength(before.labCalls);
    expect((await h.audit(1))[0]).toMatchObject({ user: 'U_APPROVER', outcome: 'refused' });
  });

  test('in a channel ferry is not in, the answer says to invite it, with the report, only to the caller', async () => {
    h.slack.botNotIn('C0NOTIN');
    const before = snapshot(h);
    await h.slash('/gluster status', { user: 'U_VIEWER', channel: 'C0NOTIN' });
    const answer = await nextEphemeral(h, before);
    expect(answer.user).toBe('U_VIEWER');
    expect(shown(answer)).toMatch(/ferry is not in #ops: invite @ferry to #ops/);
    expect(answer.text).toMatch(/^Storage: volume vm-instances/);
    expect(shown(answer)).not.toMatch(/not_in_channel|An API error occurred/);
    expect(h.slack.messages('C0NOTIN')).toHaveLength(0);
  });

  test('GET /healthz answers 200', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });
});

describe('ferry under a burst, with Slack’s rate limits on', () => {
  // How fast the acks come is measured by `npm run bench -- ack-latency`, not asserted here (a busy machine is not a bug).
  // chat.postMessage: 3 at once, then one every 200 ms per channel (Slack: one a second),
  // so that 50 channel answers take seconds, not a minute. Retry-After is still whole seconds.
  // ferry starts a post every 100 ms per channel (Slack's pace is one a second), so the limits bite.
  const rateLimit = { postIntervalMs: 200 };
  let h: Harness;
  beforeAll(async () => {
    // 50 commands at once queue ~350 SSH execs per node behind 16 channels: beside another suite each took
    // up to 2.5 s of the lab's 5 s limit. The harness's SSH_DEADLINES keep them from running out.
    h = await startHarness({ rateLimit, env: { SLACK_POST_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('100 commands, 50 at a time: every one is acked, every answer arrives, every Retry-After is heeded', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? '/gluster peers' : '/ferry help'));
    const acks = [];
    for (let i = 0; i < lines.length; i += 50) {
      acks.push(...(await Promise.all(lines.slice(i, i + 50).map((line) => h.slash(line, { user: 'U_OPS' })))));
    }
    expect(acks.filter((a) => a.status === 200)).toHaveLength(100);

    // A deadline, not a measurement: on a machine busy with another suite 100 commands take a while.
    await waitUntil(() => h.slack.messages().length >= 50 && h.slack.ephemerals().length >= 50, 'every answer', 90_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await burstDiagnosis(h)}`);
    });
    expect(h.slack.messages().filter((m) => m.text.startsWith('Gluster peers'))).toHaveLength(50);
    expect(h.slack.ephemerals().filter((e) => e.text.startsWith('ferry commands'))).toHaveLength(50);
    expect(h.slack.rateLimited().length).toBeGreaterThan(0); // the limits did bite
    expect(h.slack.unheededRetries(), JSON.stringify(h.slack.unheededRetryLog())).toBe(0);

    // /metrics tells the same story: every command by outcome, every 429 ferry was given.
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    const ok = (command: string) => sample(metrics, 'ferry_commands_total', { command, outcome: 'ok' });
    if (ok('gluster peers') !== 50 || ok('ferry help') !== 50) {
      expect.fail(`ok in /metrics: gluster peers ${ok('gluster peers')} of 50, ferry help ${ok('ferry help')} of 50\n${await burstDiagnosis(h, metrics)}`);
    }
    expect(sample(metrics, 'ferry_ack_seconds_count', { kind: 'command' })).toBe(100);
    const posts429 = h.slack.rateLimited().filter((r) => r.method === 'chat.postMessage').length;
    expect(sample(metrics, 'ferry_slack_rate_limited_total', { method: 'chat.postMessage' })).toBe(posts429);
  }, 150_000);
});

/**
 * Why commands of the burst did not end ok: each one's audited outcome and detail, the
 * report it posted, and ferry's SSH execs by node and outcome (timeouts by phase).
 */
async function burstDiagnosis(h: Harness, metrics?: string): Promise<string> {
  const text = metrics ?? (await (await fetch(`${h.baseUrl}/metrics`)).text());
  const audited = (await h.audit(500)).filter((e) => e.user === 'U_OPS' && ['gluster peers', 'ferry help'].includes(e.command));
  const notOk = audited.filter((e) => e.outcome !== 'ok').map((e) => `  /${e.command}: ${e.outcome}${e.detail ? ` — ${e.detail}` : ''}`);
  const reports = h.slack
    .messages()
    .filter((m) => m.text.startsWith('Gluster peers') && !/all connected/.test(shown(m)))
    .map((m) => `  ${shown(m).replace(/\n/g, ' | ')}`);
  const ssh = text.split('\n').filter((l) => /^ferry_ssh_(timeouts_total|exec_seconds_count)\{/.test(l));
  return [
    `commands audited: ${audited.length} (${audited.length - notOk.length} ok); not ok:`,
    ...notOk,
    'their reports:',
    ...reports,
    'ssh execs:',
    ...ssh.map((l) => `  ${l}`),
    `slack: ${h.slack.messages().length} messages, ${h.slack.ephemerals().length} ephemerals, ${h.slack.rateLimited().length} 429s`,
  ].join('\n');
}

describe('roles through a Slack user group', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      roles: { operator: { users: ['U_OPS'], groups: ['S0ONCALL'] } },
      usergroups: { S0ONCALL: ['U_ONCALL'] },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a member of a group with the operator role may run /migrate --dry-run, and the group is looked up once', async () => {
    await h.slash('/migrate cirros1 compute02 --dry-run', { user: 'U_ONCALL' });
    await h.waitForMessage((m) => m.text.startsWith('Preflight (dry run): cirros1 → compute02'));
    await h.slash('/migrate cirros2 compute02 --dry-run', { user: 'U_ONCALL' });
    await h.waitForMessage((m) => m.text.startsWith('Preflight (dry run): cirros2 → compute02'));
    expect(h.slack.calls('usergroups.users.list')).toHaveLength(1);
    expect((await h.audit(2)).map((e) => [e.user, e.outcome])).not.toContainEqual(['U_ONCALL', 'refused']);
  });

  test('someone outside the group still has no role', async () => {
    const before = snapshot(h);
    await h.slash('/migrate cirros1 compute02 --dry-run', { user: 'U_STRANGER' });
    const answer = await nextEphemeral(h, before);
    expect(JSON.stringify(answer.blocks)).toMatch(/needs the operator role; you have no role/);
  });
});

describe('secrets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ child: true, env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('the bot token and the signing secret never appear in what ferry posts or logs', async () => {
    const before = snapshot(h);
    await h.slash('/gluster status', { user: 'U_VIEWER' });
    await h.slash('/migrate cirros1 compute02 --dry-run', { user: 'U_VIEWER' });
    // A control character makes it no name (shell characters alone would be nova's to judge, quoted inert).
    await h.slash('/migrate "cirros1\t&& cat ~/.ssh/id_ed25519" compute02', { user: 'U_OPS' });
    expect((await h.slash('/gluster status', { user: 'U_ADMIN', signature: 'v0=forged' })).status).toBe(401);
    expect((await h.slash('/gluster status', { user: 'U_ADMIN', timestamp: Math.floor(Date.now() / 1000) - STALE_SECONDS })).status).toBe(401);
    await h.waitForMessage((m) => m.text.startsWith('Storage: volume vm-instances'));
    await waitUntil(() => h.slack.ephemerals().length >= before.ephemerals + 2, 'both refusals');

    // The command thread's log reaches the child's stdout through its main thread: it may come after the post.
    await waitUntil(() => /"level":20,.*"msg":"ssh exec"/.test(h.output()), 'the debug log of the SSH execs');
    const posted = JSON.stringify([h.slack.messages(), h.slack.ephemerals(), h.slack.calls()]);
    const logged = h.output();
    for (const secret of [h.slack.token, SECRET]) {
      expect(posted).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });
});

describe('the poster, against the Slack fake with its rate limits on', () => {
  let fake: SlackFake;
  let poster: SlackPoster;
  beforeAll(async () => {
    // Posts: 3 at once, then one a second per channel (as Slack); updates: 2 a second, workspace-wide.
    // Tight enough that the limits bite even when a busy machine makes every call slow.
    fake = await startSlackFake({ rateLimit: { postIntervalMs: 1000, updateMax: 2, updateWindowMs: 1000 } });
    const client = new WebClient(fake.token, { slackApiUrl: fake.url, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
    // It starts a post every 100 ms per channel, faster than the fake allows.
    poster = new SlackPoster(client, pino({ level: 'silent' }), { updateIntervalMs: 50, postIntervalMs: 100 });
  });
  afterAll(async () => {
    await fake?.close();
  });

  // Several posts are in flight at once, so on a starved machine two may reach Slack out of the
  // order they started in; the order of starts is shown in poster-pace.test.ts, by a hand-driven clock.
  test('posts to one channel all arrive, each once, every Retry-After heeded', async () => {
    fake.reset();
    const titles = Array.from({ length: 8 }, (_, i) => `post ${i + 1}`);
    await Promise.all(titles.map((title) => poster.post(CHANNEL, report({ title }))));
    expect(fake.messages(CHANNEL).map((m) => m.text).sort()).toEqual(titles);
    expect(fake.rateLimited().length).toBeGreaterThan(0);
    expect(fake.unheededRetries()).toBe(0);
  });

  test('quick updates of many messages end with the newest of each, every Retry-After heeded', async () => {
    fake.reset();
    const messages = await Promise.all(Array.from({ length: 6 }, (_, i) => poster.post(`C0MSG${i}`, report({ title: 'v0' }))));
    const updates = messages.flatMap((m) => [1, 2, 3, 4].map((v) => poster.update(m, report({ title: `v${v}` }))));
    await Promise.all(updates);
    for (const m of messages) expect(fake.messages(m.channel)[0]!.text).toBe('v4');
    expect(fake.calls('chat.update').filter((c) => c.ok).length).toBeLessThan(updates.length); // coalesced
    expect(fake.rateLimited().length).toBeGreaterThan(0);
    expect(fake.unheededRetries()).toBe(0);
  });

  test('every coalesced update of a message that is gone is told it failed; none hangs', async () => {
    fake.reset();
    const gone = { channel: CHANNEL, ts: '1700000000.000001' };
    const results = await Promise.allSettled(['a', 'b', 'c'].map((title) => poster.update(gone, report({ title }))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.data?.error)).toEqual(['message_not_found', 'message_not_found', 'message_not_found']);
  });
});

type Snapshot = { labCalls: number; messages: number; ephemerals: number };

function snapshot(h: Harness): Snapshot {
  return { labCalls: h.lab.calls().length, messages: h.slack.messages().length, ephemerals: h.slack.ephemerals().length };
}

/** The first ephemeral answer after the snapshot. */
async function nextEphemeral(h: Harness, before: Snapshot) {
  await waitUntil(() => h.slack.ephemerals().length > before.ephemerals, 'an ephemeral answer');
  return h.slack.ephemerals()[before.ephemerals]!;
}

async function waitUntil(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A message's text as Slack shows it: every text in its blocks, mrkdwn entities decoded. */
function shown(m: { blocks: unknown[] }): string {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === 'text' && typeof x === 'string' ? texts.push(x) : walk(x);
  };
  walk(m.blocks);
  return texts.join('\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function tableBlocks(m: FakeMessage): number {
  return (m.blocks as { type: string }[]).filter((b) => b.type === 'table').length;
}

/** The cells of a message's table block, row by row. */
function tableRows(m: FakeMessage): string[][] {
  const table = (m.blocks as { type: string; rows?: { text: string }[][] }[]).find((b) => b.type === 'table');
  return (table?.rows ?? []).map((r) => r.map((c) => c.text));
}
