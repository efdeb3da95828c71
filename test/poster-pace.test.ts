/**
 * The poster's pace when Slack's Web API is slow or says wait: posts to a
 * channel start about a second apart without waiting for the earlier answers,
 * in order, each once, and nothing starts while a Retry-After is pending, not
 * even one that a later 429 pushed out while the poster slept. The poster's
 * clock is driven by hand; Slack (the fake) answers when the test says.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SlackPoster, type PostedMessage } from '../src/slack/poster.js';
import type { Clock } from '../src/slack/post-lanes.js';
import { report } from '../src/report.js';
import { startSlackFake, type Outage, type SlackFake } from './support/slack-fake.js';
import { until as waitUntil } from './support/harness.js';

const CHANNEL = 'C0PACE';
const INTERVAL_MS = 1000;
const T0 = 1_700_000_000_000;

/** A clock that moves only when the test advances it; a sleep ends once the clock reaches its end. */
function manualClock(): Clock & { advance(to: number): void; sleeping(): number[] } {
  let now = T0;
  let sleepers: { at: number; wake(): void }[] = [];
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    /** When each pending sleep ends, soonest first. */
    sleeping: () => sleepers.map((s) => s.at).sort((a, b) => a - b),
    advance(to) {
      now = to;
      const due = sleepers.filter((s) => s.at <= now);
      sleepers = sleepers.filter((s) => s.at > now);
      due.forEach((s) => s.wake());
    },
  };
}

/** Waits until `done()` holds (a generous deadline, not a limit). */
async function until(done: () => boolean, what: string): Promise<void> {
  await waitUntil(() => done() || undefined, 30_000, what);
}

/** Calls that reached Slack and wait for the test to answer them. */
interface Held {
  text: string;
  release(): void;
}

/** An outage of `methods` whose calls are each held until released; `answer` is what they get then (default: a normal answer). */
function holdCalls(fake: SlackFake, methods: string[], answer: Pick<Outage, 'status' | 'retryAfter'> = {}): Held[] {
  const held: Held[] = [];
  fake.outage({ methods, ...answer, hold: ({ args }) => new Promise<void>((release) => held.push({ text: String(args.text), release })) });
  return held;
}

describe('the poster, with Slack slow to answer or saying wait', () => {
  let fake: SlackFake;
  let clock: ReturnType<typeof manualClock>;
  let poster: SlackPoster;
  /** The 429s the poster has taken in (its onError hook, as /metrics gets them). */
  let refused: string[];

  beforeEach(async () => {
    fake = await startSlackFake();
    clock = manualClock();
    refused = [];
    const client = new WebClient(fake.token, { slackApiUrl: fake.url, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    poster = new SlackPoster(client, pino({ level: 'silent' }), {
      postIntervalMs: INTERVAL_MS,
      updateIntervalMs: 0,
      clock,
      onError: (method, error) => refused.push(`${method} ${error}`),
    });
  });
  afterEach(async () => {
    await fake?.close();
  });

  test('posts to one channel start a second apart, in order, without waiting for Slack to answer the earlier ones; each is posted once', async () => {
    const held = holdCalls(fake, ['chat.postMessage']);
    const posts = [1, 2, 3, 4].map((i) => poster.post(CHANNEL, report({ title: `answer ${i}` })));
    await until(() => held.length === 1, 'the first post reaches Slack');
    await until(() => clock.sleeping().includes(T0 + INTERVAL_MS), 'the second post waits for its second');
    expect(held).toHaveLength(1);

    // Slack has answered none of them; each next second starts one more.
    for (let i = 2; i <= 4; i++) {
      clock.advance(T0 + (i - 1) * INTERVAL_MS);
      await until(() => held.length === i, `post ${i} reaches Slack while ${i - 1} wait for an answer`);
    }
    expect(held.map((h) => h.text)).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4']);

    held.forEach((h) => h.release());
    await Promise.all(posts);
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4']);
    expect(fake.calls('chat.postMessage')).toHaveLength(4);
  });

  test('a 429 holds back every later post of the channel until its Retry-After; then the refused ones go first, in order, each posted once', async () => {
    // Slack answers the first two posts, both already on their way, with 429 and Retry-After: 2.
    const first = holdCalls(fake, ['chat.postMessage'], { status: 429, retryAfter: 2 });
    const posts = [1, 2, 3].map((i) => poster.post(CHANNEL, report({ title: `answer ${i}` })));
    await until(() => first.length === 1, 'post 1 reaches Slack');
    clock.advance(T0 + INTERVAL_MS);
    await until(() => first.length === 2, 'post 2 reaches Slack');
    const later = holdCalls(fake, ['chat.postMessage']);
    first[0]!.release();
    await until(() => refused.length === 1, 'the poster reads the first 429');
    first[1]!.release();
    await until(() => refused.length === 2, 'the poster reads the second 429');
    expect(refused).toEqual(['chat.postMessage ratelimited', 'chat.postMessage ratelimited']);

    // Post 3's second comes, but Slack said to wait until T0 + 1 s + 2 s.
    clock.advance(T0 + 2 * INTERVAL_MS);
    await until(() => clock.sleeping().includes(T0 + 3 * INTERVAL_MS), 'the channel waits out the Retry-After');
    expect(later).toHaveLength(0);

    for (const [i, text] of ['answer 1', 'answer 2', 'answer 3'].entries()) {
      clock.advance(T0 + (3 + i) * INTERVAL_MS);
      await until(() => later.length === i + 1, `${text} reaches Slack`);
      expect(later[i]!.text).toBe(text);
    }
    later.forEach((h) => h.release());
    await Promise.all(posts);
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['answer 1', 'answer 2', 'answer 3']);
    expect(fake.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200, 200, 200]);
  });

  test('a call asleep until a Retry-After waits again when a later 429 pushed that time out meanwhile', async () => {
    const messages: PostedMessage[] = await Promise.all(['C0ONE', 'C0TWO', 'C0THREE'].map((c) => poster.post(c, report({ title: 'v0' }))));
    const [one, two, three] = messages as [PostedMessage, PostedMessage, PostedMessage];

    // An update of the third message reaches Slack and waits there; Slack will say Retry-After: 3.
    const slow = holdCalls(fake, ['chat.update'], { status: 429, retryAfter: 3 });
    const updates = [poster.update(three, report({ title: 'v1' }))];
    await until(() => slow.length === 1, 'the third message’s update reaches Slack');

    // Meanwhile an update of the first gets 429 with Retry-After: 1, and one of the second waits for it.
    fake.outage({ methods: ['chat.update'], status: 429, retryAfter: 1 });
    updates.push(poster.update(one, report({ title: 'v1' })));
    await until(() => refused.length === 1, 'the poster reads the first 429');
    updates.push(poster.update(two, report({ title: 'v1' })));
    await until(() => clock.sleeping().filter((at) => at === T0 + 1000).length === 2, 'both wait until T0 + 1 s');

    // While they sleep, the third's answer comes: wait until T0 + 3 s.
    fake.outage(undefined);
    slow[0]!.release();
    await until(() => refused.length === 2, 'the poster reads the later 429');
    const refusedCalls = fake.calls('chat.update').length;

    clock.advance(T0 + 1000);
    await until(
      () => fake.calls('chat.update').length > refusedCalls || clock.sleeping().filter((at) => at === T0 + 3000).length === 3,
      'the sleepers wake and either call Slack or sleep again',
    );
    expect(fake.calls('chat.update')).toHaveLength(refusedCalls); // nothing went before T0 + 3 s

    clock.advance(T0 + 3000);
    await Promise.all(updates);
    for (const m of messages) expect(fake.messages(m.channel)[0]!.text).toBe('v1');
  });
});
