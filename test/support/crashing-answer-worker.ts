/**
 * ferry's real command thread (src/slack/answer-worker.ts), wrapped so that a test can
 * end it as a crash would: the line CRASH_LINE ends the thread at once, before the
 * real worker sees it. While process.env.FERRY_TEST_REFUSE_START is set, a new thread
 * fails as it starts. Threads share the test process's environment, so a test sets it.
 */
import { parentPort } from 'node:worker_threads';
import type { DeliveredRequest } from '../../src/slack/answer-protocol.js';
import { parsedBody } from '../../src/slack/slack-request.js';

const CRASH_LINE = '/ferry crash-the-command-thread';

if (process.env.FERRY_TEST_REFUSE_START) throw new Error('this command thread was told not to start');

await import('../../src/slack/answer-worker.js');
// After the real worker's listener: it has only queued the line's work when this ends the thread.
parentPort!.on('message', (m: { type: string; req?: DeliveredRequest }) => {
  const body = m.type === 'request' && m.req ? parsedBody(m.req.body) : undefined;
  if (`${body?.command} ${body?.text}` === CRASH_LINE) process.exit(70);
});
