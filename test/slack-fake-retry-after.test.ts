/**
 * The Slack fake's count of requests that did not heed a Retry-After: told by
 * the order of answers and requests on each connection, not by a time window,
 * so a busy machine does not make a request that was already on its way count,
 * and a client that ignores Retry-After is still caught.
 */
import { Agent, request } from 'node:http';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, expect, test } from 'vitest';
import { startSlackFake, type SlackFake } from './support/slack-fake.js';

let fake: SlackFake | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  await fake?.close();
  [fake, agent] = [undefined, undefined];
});

/** One Web API call through a keep-alive agent (a client that keeps its connections); its answer's status. */
function call(f: SlackFake, via: Agent, method: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${f.url}${method}`, { method: 'POST', agent: via, headers: { Authorization: `Bearer ${f.token}`, 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The event loop held for `ms`, as on a machine busy with other work. */
function starve(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

test('a request already on its way when the 429 was written is not counted, however late the fake gets to it', async () => {
  fake = await startSlackFake({ rateLimit: { postBurst: 1 } });
  agent = new Agent({ keepAlive: true });
  // Two kept-alive connections, then the channel's one post.
  expect(await Promise.all([call(fake, agent, 'auth.test', ''), call(fake, agent, 'auth.test', '')])).toEqual([200, 200]);
  expect(await call(fake, agent, 'chat.postMessage', 'channel=C1&text=one')).toBe(200);

  const refused = fake.waitFor('chat.postMessage', (c) => c.status === 429);
  const second = call(fake, agent, 'chat.postMessage', 'channel=C1&text=two');
  await refused;
  // The 429 is written, the client has not read it yet: a third post goes out on the other connection,
  // and the machine is busy for a while before the fake gets to it.
  const third = call(fake, agent, 'chat.postMessage', 'channel=C1&text=three');
  starve(200);
  expect(await Promise.all([second, third])).toEqual([429, 429]);
  expect(fake.unheededRetries()).toBe(0);
});

test('a poster that ignores Retry-After is still caught', async () => {
  fake = await startSlackFake({ rateLimit: { postBurst: 1 } });
  const web = new WebClient(fake.token, { slackApiUrl: fake.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  // It tries again 100 ms after each 429, whatever Retry-After (1 s here) says.
  for (const text of ['one', 'two', 'three']) {
    for (;;) {
      const err = await web.chat.postMessage({ channel: 'C1', text }).then(() => undefined, (e: { code?: string }) => e);
      if (!err) break;
      expect(err.code).toBe(ErrorCode.RateLimitedError);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  expect(fake.messages('C1').map((m) => m.text)).toEqual(['one', 'two', 'three']);
  expect(fake.unheededRetries()).toBeGreaterThan(0);
  for (const u of fake.unheededRetryLog()) {
    expect(u).toMatchObject({ method: 'chat.postMessage', channel: 'C1' });
    expect(u.at).toBeLessThan(u.retryAt);
  }
});
