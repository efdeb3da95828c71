/**
 * `ferry serve` (a child process, signed Slack requests, the Slack fake) while
 * Redis is killed, and started while Redis is unreachable: read commands answer,
 * redeliveries still run nothing twice, job commands start nothing, and serve
 * recovers by itself when Redis returns.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHANNEL, messageText, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ child: true, computes: 3, instances: 2, migrateSeconds: 1 });
});
afterAll(() => h?.stop());

/** A deadline on a condition, not a limit: with two more copies of the suite running beside it, 30 s once ran out before a /migrate was answered. */
async function until(cond: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const texts = () => h.slack.messages(CHANNEL).map(messageText);
const count = (re: RegExp) => texts().filter((t) => re.test(t)).length;
// A stack trace, printed or inside a JSON log line.
const STACK = /^\s+at |\\n\s+at /m;

test('with Redis killed under a serving ferry, /gluster peers answers with the audit note, once per request; /migrate and an Approve button answer that nothing was started', async () => {
  await h.redis.stop();
  const peers = /Gluster peers/;
  const before = count(peers);
  const triggerId = 'T-outage.1';
  const acks = await Promise.all([h.slash('/gluster peers', { triggerId }), h.slash('/gluster peers', { triggerId, retryNum: 1 })]);
  expect(acks.map((a) => a.status)).toEqual([200, 200]);
  const answer = await h.waitForMessage((m) => peers.test(messageText(m)));
  expect(messageText(answer)).toContain(`audit: Redis at ${h.redis.url} is unreachable; this entry went to the log only`);
  expect(messageText(answer)).not.toMatch(/Stream isn't writeable|ferry could not answer/);

  // A late redelivery, then another request: once that one is answered, the redelivery has been handled.
  await h.slash('/gluster peers', { triggerId, retryNum: 2 });
  await h.slash('/migrate cirros1 compute02');
  const refused = await h.waitForMessage((m) => /\/migrate did not run/.test(messageText(m)));
  expect(refused.text + JSON.stringify(refused.blocks)).toContain(`Redis at ${h.redis.url} is unreachable; nothing was started`);
  expect(count(peers)).toBe(before + 1);
  expect(h.lab.calls().filter((c) => c.argv.includes('live-migration'))).toHaveLength(0);

  await h.button('ferry_approve', 'abcd1234', { user: 'U_APPROVER', messageTs: '1700000000.000100' });
  await h.waitForEphemeral((t) => t.includes(`Redis at ${h.redis.url} is unreachable; nothing was started`));
  expect(h.output()).not.toMatch(STACK);
  await h.redis.start();
});

test('ferry serve started while Redis is unreachable serves read commands, and runs /migrate once Redis answers', async () => {
  await h.kill();
  await h.redis.stop();
  await h.startFerry();
  await h.slash('/gluster peers');
  const answer = await h.waitForMessage((m) => /audit: Redis at .* is unreachable/.test(messageText(m)) && /Gluster peers/.test(messageText(m)));
  expect(messageText(answer)).toContain('Gluster peers');

  await h.redis.start();
  // ferry reconnects by itself; until it has, /migrate answers that nothing was started (and starts nothing).
  const refusals = /\/migrate did not run/;
  const accepted = /Migrat(ing|ed) cirros1/;
  for (let i = 0; count(accepted) === 0; i++) {
    const n = count(refusals);
    await h.slash('/migrate cirros1 compute02', { triggerId: `T-after-${i}` });
    await until(() => count(refusals) > n || count(accepted) > 0, 'an answer to /migrate');
  }
  await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(messageText(m)), 60_000);
  expect(h.lab.calls().filter((c) => c.argv.includes('live-migration'))).toHaveLength(1);
  expect(h.output()).not.toMatch(STACK);
});
