/**
 * ferry's HTTP endpoint as Slack and the network see it (src/slack/ack-server.ts):
 * Slack's own checks (url_verification, ssl_check) are answered there, what is not
 * Slack's request is refused with the status Slack's docs and Bolt use, and none of
 * it reaches the command thread: nothing runs, nothing is posted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SECRET, startHarness, until, type Harness } from './support/harness.js';
import { postSigned } from './support/slack-requests.js';

describe('ferry HTTP endpoint', () => {
  let h: Harness;
  let events: string;
  beforeAll(async () => {
    h = await startHarness();
    events = `${h.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Asks /ferry help and waits for its answer: what came before it has been taken in by then. */
  const helpAnswered = async () => {
    const n = h.slack.ephemerals().length;
    await h.slash('/ferry help', { user: 'U_VIEWER' });
    await until(() => (h.slack.ephemerals().length > n ? true : undefined), 60_000, 'the answer to /ferry help');
  };

  /** What a request could have left behind: SSH calls in the lab, messages, answers, audit entries. */
  const traces = async () => ({ lab: h.lab.calls().length, messages: h.slack.messages().length, ephemerals: h.slack.ephemerals().length, audit: (await h.audit()).length });

  test("Slack's url_verification gets its challenge back, and an unsigned ssl_check gets 200; nothing runs", async () => {
    const before = await traces();
    const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
    const verification = await postSigned(events, JSON.stringify({ token: 'legacy', challenge, type: 'url_verification' }), { secret: SECRET, contentType: 'application/json' });
    expect(verification.status).toBe(200);
    expect(JSON.parse(verification.body)).toEqual({ challenge });

    const sslCheck = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=legacy' });
    expect(sslCheck.status).toBe(200);

    // An unsigned ssl_check carrying a command is still only an ssl_check.
    const smuggled = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&command=%2Fgluster&text=status&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fx' });
    expect(smuggled.status).toBe(200);
    await helpAnswered();
    expect(await traces()).toEqual({ ...before, ephemerals: before.ephemerals + 1, audit: before.audit + 1 });
  });

  test('a signed ssl_check carrying a command gets 200 and runs nothing', async () => {
    const before = await traces();
    const signedCheck = await postSigned(events, 'ssl_check=1&token=legacy&command=%2Fgluster&text=status&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fx', { secret: SECRET });
    expect(signedCheck.status).toBe(200);
    await helpAnswered();
    expect(await traces()).toEqual({ ...before, ephemerals: before.ephemerals + 1, audit: before.audit + 1 });
  });

  test('a body over 4 MB gets 413, a signed body that is not JSON 400, a request with no signature 401, another path 404; nothing runs', async () => {
    const before = await traces();
    const huge = await postSigned(events, `command=%2Fgluster&text=status&pad=${'x'.repeat(4 * 1024 * 1024)}`, { secret: SECRET });
    const malformed = await postSigned(events, '{"type": "event_callback", ', { secret: SECRET, contentType: 'application/json' });
    const unsigned = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'command=%2Fgluster&text=status' });
    const elsewhere = await postSigned(`${h.baseUrl}/slack/other`, 'command=%2Fgluster&text=status', { secret: SECRET });
    expect([huge.status, malformed.status, unsigned.status, elsewhere.status]).toEqual([413, 400, 401, 404]);

    await helpAnswered();
    expect(await traces()).toEqual({ ...before, ephemerals: before.ephemerals + 1, audit: before.audit + 1 });
  });

  test('an event ferry has no listener for is acked with 200 and runs nothing', async () => {
    const before = await traces();
    const sent = await h.event({ type: 'reaction_added', user: 'U_OPS', reaction: 'thumbsup', item: { type: 'message', channel: 'C0OPS', ts: '1.2' } });
    expect(sent.status).toBe(200);
    await helpAnswered();
    expect(await traces()).toEqual({ ...before, ephemerals: before.ephemerals + 1, audit: before.audit + 1 });
  });
});
