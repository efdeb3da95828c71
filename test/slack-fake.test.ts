import { afterEach, describe, expect, test } from 'vitest';
import { LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { startSlackFake, type SlackFake } from './support/slack-fake.js';
import { renderSlack } from '../src/slack/blocks.js';
import { report } from '../src/report.js';

// Short waits between retries; the client still sleeps the whole Retry-After first.
const quickRetries = { retries: 5, minTimeout: 0, maxTimeout: 1 };

let fake: SlackFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A WebClient on the fake; `token: null` sends none. */
function client(f: SlackFake, token: string | null = f.token): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: f.url, retryConfig: quickRetries, logLevel: LogLevel.ERROR });
}

async function slackError(p: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe('slack_webapi_platform_error');
  return err!.data;
}

const table = { type: 'table', rows: [[{ type: 'raw_text', text: 'a' }]] };

describe('slack fake', () => {
  test('records a posted message and its updates in place, with history', async () => {
    fake = await startSlackFake();
    const web = client(fake);
    const [first] = renderSlack(report({ title: 'Migrating cirros1', verdict: 'INFO', tables: [{ title: 'Progress', columns: ['Step', 'State'], rows: [['preflight', 'running']] }] }));
    const posted = await web.chat.postMessage({ channel: 'C0OPS', ...first! });
    expect(posted.ok).toBe(true);
    for (const state of ['migrating', 'verifying', 'done']) {
      await web.chat.update({ channel: 'C0OPS', ts: posted.ts!, text: `cirros1: ${state}` });
    }
    const [msg, ...others] = fake.messages('C0OPS');
    expect(others).toHaveLength(0);
    expect(msg!.ts).toBe(posted.ts);
    expect(msg!.text).toBe('cirros1: done');
    expect(msg!.history.map((v) => v.text)).toEqual([first!.text, 'cirros1: migrating', 'cirros1: verifying', 'cirros1: done']);
    expect(msg!.blocks).toEqual(first!.blocks); // update without blocks keeps them
    expect(fake.calls('chat.update')).toHaveLength(3);
    expect(fake.calls('chat.postMessage')[0]!.args.blocks).toEqual(first!.blocks);
    expect(fake.calls()[0]!.args).not.toHaveProperty('token');
  });

  test('timestamps are unique and increasing', async () => {
    fake = await startSlackFake();
    const web = client(fake);
    const ts: string[] = [];
    for (let i = 0; i < 5; i++) ts.push((await web.chat.postMessage({ channel: 'C1', text: `m${i}` })).ts!);
    expect([...ts].sort()).toEqual(ts);
    expect(new Set(ts).size).toBe(5);
  });

  test('a message with two tables is refused with only_one_table_allowed', async () => {
    fake = await startSlackFake();
    const data = await slackError(client(fake).chat.postMessage({ channel: 'C1', text: 't', blocks: [table, table] as never }));
    expect(data.error).toBe('only_one_table_allowed');
    expect(fake.messages()).toHaveLength(0);
    expect(fake.calls('chat.postMessage')[0]).toMatchObject({ ok: false, error: 'only_one_table_allowed' });
  });

  test('broken blocks are refused with invalid_blocks and where', async () => {
    fake = await startSlackFake();
    const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    const data = (await slackError(client(fake).chat.postMessage({ channel: 'C1', text: 't', blocks: [header] as never }))) as unknown as { error: string; errors: string[] };
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors[0]).toMatch(/\[json-pointer:\/blocks\/0\/text\/text\]$/);
    const long = await slackError(client(fake).chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }));
    expect(long.error).toBe('msg_too_long');
  });

  test('a missing or wrong token is refused', async () => {
    fake = await startSlackFake({ token: 'xoxb-right' });
    expect((await slackError(client(fake, null).auth.test())).error).toBe('not_authed');
    expect((await slackError(client(fake, 'xoxb-wrong').auth.test())).error).toBe('invalid_auth');
    const me = await client(fake).auth.test();
    expect(me).toMatchObject({ ok: true, user_id: 'U0FERRYBOT', team_id: 'T0FERRY', bot_id: 'B0FERRY' });
  });

  test('answers directory look-ups from its configuration', async () => {
    fake = await startSlackFake({
      users: { U0ALICE: { name: 'alice', tz: 'Europe/Berlin' } },
      usergroups: { S0ONCALL: ['U0ALICE', 'U0BOB'] },
      channels: { C0OPS: { name: 'ops' } },
    });
    const web = client(fake);
    expect((await web.usergroups.users.list({ usergroup: 'S0ONCALL' })).users).toEqual(['U0ALICE', 'U0BOB']);
    expect((await web.users.info({ user: 'U0ALICE' })).user).toMatchObject({ id: 'U0ALICE', name: 'alice', tz: 'Europe/Berlin' });
    expect((await web.conversations.info({ channel: 'C0OPS' })).channel).toMatchObject({ id: 'C0OPS', name: 'ops' });
    expect((await slackError(web.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
    expect((await slackError(web.usergroups.users.list({ usergroup: 'S0NONE' }))).error).toBe('no_such_subteam');
  });

  test('ephemeral messages, deletes and response_url answers are recorded', async () => {
    fake = await startSlackFake();
    const web = client(fake);
    await web.chat.postEphemeral({ channel: 'C1', user: 'U0ALICE', text: 'only you' });
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: 'approve?' });
    const url = fake.responseUrl({ channel: 'C1', user: 'U0ALICE', messageTs: ts });
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'approved by alice' }) });
    expect(await res.json()).toEqual({ ok: true });
    expect(fake.messages('C1')[0]!.history.map((v) => v.text)).toEqual(['approve?', 'approved by alice']);
    await fetch(fake.responseUrl({ channel: 'C1' }), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'working on it' }) });
    expect(fake.ephemerals('C1').map((e) => [e.via, e.text])).toEqual([['chat.postEphemeral', 'only you'], ['response_url', 'working on it']]);
    expect(fake.calls('response_url')).toHaveLength(2);
    await web.chat.delete({ channel: 'C1', ts: ts! });
    expect(fake.messages('C1')).toHaveLength(0);
  });

  test('a rendered report and its thread replies are all accepted', async () => {
    fake = await startSlackFake();
    const web = client(fake);
    const tables = Array.from({ length: 12 }, (_, i) => ({ title: `Node ${i}`, columns: ['Instance', 'State'], rows: Array.from({ length: 60 }, (_, j) => [`vm-${i}-${j}`, 'ACTIVE']) }));
    const [first, ...rest] = renderSlack(report({ title: 'Evacuation', verdict: 'OK', tables }));
    expect(rest.length).toBeGreaterThan(0);
    const { ts } = await web.chat.postMessage({ channel: 'C1', ...first! });
    for (const m of rest) await web.chat.postMessage({ channel: 'C1', thread_ts: ts, ...m });
    expect(fake.replies('C1', ts!)).toHaveLength(rest.length);
    expect(fake.calls().every((c) => c.ok)).toBe(true);
  });

  test('a burst of posts to one channel gets 429 + Retry-After, and WebClient waits it out', async () => {
    fake = await startSlackFake({ rateLimit: { postBurst: 2 } });
    const web = client(fake);
    for (let i = 0; i < 4; i++) await web.chat.postMessage({ channel: 'C1', text: `step ${i}` });
    const limited = fake.calls('chat.postMessage').filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(fake.rateLimited()[0]).toMatchObject({ method: 'chat.postMessage', channel: 'C1', retryAfter: 1 });
    expect(fake.unheededRetries()).toBe(0);
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['step 0', 'step 1', 'step 2', 'step 3']);
  });

  test('concurrent posts are paced too, and none counts as unheeded', async () => {
    fake = await startSlackFake({ rateLimit: { postBurst: 2 } });
    const web = client(fake);
    await Promise.all(Array.from({ length: 4 }, (_, i) => web.chat.postMessage({ channel: 'C2', text: `m${i}` })));
    expect(fake.rateLimited().length).toBeGreaterThan(0);
    expect(fake.unheededRetries()).toBe(0);
    expect(fake.messages('C2')).toHaveLength(4);
  });

  test('a client that retries at once, again and again, is caught', async () => {
    fake = await startSlackFake({ rateLimit: { postBurst: 1 } });
    const post = (): Promise<Response> =>
      fetch(`${fake!.url}chat.postMessage`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${fake!.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'channel=C1&text=again',
      });
    // Each answer read in full, as a client does, so the connection is kept for the next request.
    const first = await post();
    expect(first.status).toBe(200);
    await first.json();
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ ok: false, error: 'ratelimited' });
    // The same call again, twice, without waiting. The first retry may go out on a connection whose
    // last answer came before the 429 (the fake cannot tell it from one already on its way); after
    // it, every connection of this client has carried a 429.
    await (await post()).text();
    await (await post()).text();
    expect(fake.unheededRetries()).toBeGreaterThanOrEqual(1);
    expect(fake.unheededRetryLog()[0]).toMatchObject({ method: 'chat.postMessage', channel: 'C1' });
  });

  test('chat.update is limited per window (Tier 3), with a configurable window', async () => {
    fake = await startSlackFake({ rateLimit: { updateMax: 2, updateWindowMs: 4000 } });
    const web = new WebClient(fake.token, { slackApiUrl: fake.url, rejectRateLimitedCalls: true, logLevel: LogLevel.ERROR });
    const { ts } = await web.chat.postMessage({ channel: 'C1', text: '0' });
    await web.chat.update({ channel: 'C1', ts: ts!, text: '1' });
    await web.chat.update({ channel: 'C1', ts: ts!, text: '2' });
    const err = await web.chat.update({ channel: 'C1', ts: ts!, text: '3' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
    expect(fake.messages('C1')[0]!.text).toBe('2');
  });
});
