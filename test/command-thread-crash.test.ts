/**
 * When ferry's command thread dies, nothing is lost and nothing runs twice: a request it
 * was working on is answered "ferry lost this request" (UNKNOWN: whether it ran is not
 * known, so it is not run again), a new thread starts and takes the next requests, and
 * if a new thread cannot start, a request is told it was not run and the next request
 * tries again. The thread is ferry's real one (test/support/crashing-answer-worker.ts
 * only adds a line that ends it); ferry runs in this process against the lab, a real
 * redis-server and the Slack fake, through signed requests.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHANNEL, startHarness, until, type Harness } from './support/harness.js';

const CRASH_LINE = '/ferry crash-the-command-thread';
/** A deadline on a condition, not a measurement: a new thread compiles ferry under tsx. */
const DEADLINE_MS = 60_000;

let h: Harness;
beforeAll(async () => {
  // SSH deadlines longer than the test: the held request must still be running when the thread dies.
  h = await startHarness({ commandThreadEntry: new URL('./support/crashing-answer-worker.ts', import.meta.url), ssh: { connectTimeoutMs: 600_000, commandTimeoutMs: 600_000 } });
});
afterAll(async () => {
  delete process.env.FERRY_TEST_REFUSE_START;
  await h?.stop();
});

const answers = () => h.slack.ephemerals().map((e) => `${e.text}\n${JSON.stringify(e.blocks)}`);
const helpAnswers = () => answers().filter((a) => a.includes('/migrate') && a.includes('/gluster status') && !a.includes('ferry lost'));

test('a request the command thread was running when it died is answered UNKNOWN and not run again; the next request gets a new thread', async () => {
  const glusterCalls = () => h.lab.calls().filter((c) => c.argv[0] === 'gluster').length;
  await h.lab.fault('compute02', 'hang');
  try {
    expect((await h.slash('/gluster status', { user: 'U_OPS' })).status).toBe(200);
    // The thread is inside /gluster status: compute01 has been asked, compute02 holds its connection.
    await until(() => glusterCalls() || undefined, DEADLINE_MS, 'the first gluster call of /gluster status');

    expect((await h.slash(CRASH_LINE, { user: 'U_OPS' })).status).toBe(200);
    const lost = await h.waitForEphemeral((text) => text.includes('ferry lost this request') && text.includes('/gluster status'), DEADLINE_MS);
    expect(lost).toContain('whether it ran is unknown');
    expect(lost).toContain('UNKNOWN');
    const callsWhenLost = glusterCalls();

    expect((await h.slash('/ferry help', { user: 'U_OPS' })).status).toBe(200);
    await h.waitForEphemeral(() => helpAnswers().length === 1, DEADLINE_MS);
    await h.lab.fault('compute02', 'unhang');
    expect((await h.slash('/ferry help', { user: 'U_OPS' })).status).toBe(200);
    await h.waitForEphemeral(() => helpAnswers().length === 2, DEADLINE_MS);

    // The new thread did not run the lost request again, and the dead one posted nothing.
    expect(glusterCalls()).toBe(callsWhenLost);
    expect(h.slack.messages(CHANNEL).filter((m) => m.text.startsWith('Storage: volume'))).toEqual([]);
    expect(answers().filter((a) => a.includes('ferry lost this request') && a.includes('/gluster status'))).toHaveLength(1);
  } finally {
    await h.lab.fault('compute02', 'unhang');
  }
});

test('when a new command thread cannot start, a request is told it was not run, and the next request starts one', async () => {
  const before = helpAnswers().length;
  const crashes = () => answers().filter((a) => a.includes('ferry lost this request') && a.includes(CRASH_LINE)).length;
  const crashesBefore = crashes();
  process.env.FERRY_TEST_REFUSE_START = '1';
  expect((await h.slash(CRASH_LINE, { user: 'U_OPS' })).status).toBe(200);
  await h.waitForEphemeral(() => crashes() === crashesBefore + 1, DEADLINE_MS);

  expect((await h.slash('/ferry help', { user: 'U_OPS' })).status).toBe(200);
  const refused = await h.waitForEphemeral((text) => text.includes('ferry could not take this request'), DEADLINE_MS);
  expect(refused).toContain('/ferry help was not run');

  delete process.env.FERRY_TEST_REFUSE_START;
  expect((await h.slash('/ferry help', { user: 'U_OPS' })).status).toBe(200);
  await h.waitForEphemeral(() => helpAnswers().length === before + 1, DEADLINE_MS);
});
