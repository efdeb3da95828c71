/**
 * The requester hears the end: progress is updated in place, which notifies
 * nobody, so when a migration, an evacuation or a bootstrap ends ferry replies
 * once in the thread of its message, mentioning who asked (and who approved),
 * with the verdict. Through the real Bolt app, the real workers, the lab and the Slack fake.
 */
import { describe, expect, test } from 'vitest';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { CHANNEL, withHarness, type Harness } from './support/harness.js';
import type { FakeMessage } from './support/slack-fake.js';

const approvalIdOf = (m: FakeMessage) =>
  (m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => (b.type === 'actions' ? b.elements ?? [] : [])).find((e) => e.action_id === 'ferry_approve')?.value;

/** Waits until the thread of `ts` has a reply, then a moment more for any second one. */
async function repliesTo(h: Harness, ts: string): Promise<FakeMessage[]> {
  await h.waitForMessage((m) => m.thread_ts === ts && m.ts !== ts, 60_000);
  return h.slack.replies(CHANNEL, ts).filter((m) => m.ts !== ts);
}

describe('the end of a job, in its thread', () => {
  test('/migrate: the requester is told OK, or FAIL with nova’s reason, once, in the thread of the migration’s message', () =>
    withHarness({ migrateSeconds: 1, policy: { migration: { pollIntervalMs: 150 } } }, async (h) => {
      await h.slash('/migrate cirros1 compute02', { user: 'U_OPS' });
      const ok = await h.waitForMessage((m) => !m.thread_ts && /Migrated cirros1 to compute02/.test(m.text), 60_000);
      const [reply, ...more] = await repliesTo(h, ok.ts);
      expect(more).toHaveLength(0);
      expect(reply!.thread_ts).toBe(ok.ts);
      expect(reply!.text).toMatch(/^<@U_OPS> migration of cirros1 to compute02 ended: OK — cirros1 is ACTIVE and Running on compute02, after \d+ s$/);

      await h.lab.fault('compute01', 'migration-fails', 'Compute service of compute03 is unavailable at this time.');
      await h.slash('/migrate cirros2 compute03', { user: 'U_OPS' });
      const failed = await h.waitForMessage((m) => !m.thread_ts && /Migration of cirros2 to compute03 failed/.test(m.text), 60_000);
      const [told] = await repliesTo(h, failed.ts);
      expect(told!.text).toMatch(/^<@U_OPS> migration of cirros2 to compute03 ended: FAIL — Compute service of compute03 is unavailable at this time\./);
      expect(h.slack.messages(CHANNEL).filter((m) => m.thread_ts && m.thread_ts !== m.ts)).toHaveLength(2);
    }));

  test('an evacuation tells the requester and the approver, and a second run of its job after the end tells nobody again', () =>
    withHarness({ instances: 3, policy: { migration: { pollIntervalMs: 150 } } }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await h.waitForMessage((m) => approvalIdOf(m) !== undefined);
      const id = approvalIdOf(req)!;
      await h.button('ferry_approve', id, { user: 'U_APPROVER', messageTs: req.ts });
      await h.waitForMessage((m) => m.ts === req.ts && /Evacuated compute01/.test(m.text), 60_000);
      const replies = await repliesTo(h, req.ts);
      expect(replies.map((r) => r.text)).toEqual(['<@U_OPS> <@U_APPROVER> evacuation of compute01 ended: OK — 3 of 3 moved']);
      // Only the end notifies: the message's progress updates were edits, never new messages.
      expect(h.slack.messages(CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);

      // The worker runs the finished job again, as after a crash before BullMQ recorded its end.
      const updates = h.slack.calls('chat.update').length;
      const finishedOn = await rerun(h, `evac-${id}`);
      expect(finishedOn.after).toBeGreaterThan(finishedOn.before);
      await h.slack.waitFor('chat.update', () => h.slack.calls('chat.update').length > updates);
      expect(h.slack.replies(CHANNEL, req.ts).filter((m) => m.ts !== req.ts)).toHaveLength(1);
    }));

  test('a bootstrap tells the requester and the approver how it ended', () =>
    withHarness({ bare: true }, async (h) => {
      await h.slash('/gluster bootstrap', { user: 'U_OPS' });
      const asked = await h.waitForMessage((m) => approvalIdOf(m) !== undefined);
      await h.button('ferry_approve', approvalIdOf(asked)!, { user: 'U_APPROVER', messageTs: asked.ts });
      await h.waitForMessage((m) => m.ts === asked.ts && m.text.startsWith('Bootstrap of vm-instances done'), 60_000);
      const replies = await repliesTo(h, asked.ts);
      expect(replies.map((r) => r.text)).toEqual([expect.stringMatching(/^<@U_OPS> <@U_APPROVER> bootstrap of vm-instances ended: OK — 12 steps ran, 5 were already done; /)]);
    }));
});

/** Moves a completed job back to the queue and waits until the worker has completed it again. */
async function rerun(h: Harness, jobId: string): Promise<{ before: number; after: number }> {
  const redis = new Redis(h.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('evacuate', { connection: redis as unknown as ConnectionOptions, prefix: 'ferry' });
  try {
    const deadline = Date.now() + 60_000;
    // The end is told before the worker returns: BullMQ may record the job completed a moment later.
    while ((await queue.getJobState(jobId)) !== 'completed') {
      if (Date.now() > deadline) throw new Error(`${jobId} was never completed`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const job = (await queue.getJob(jobId))!;
    const before = job.finishedOn!;
    await job.retry('completed');
    for (;;) {
      const again = (await queue.getJob(jobId))!;
      if ((await again.getState()) === 'completed' && (again.finishedOn ?? 0) > before) return { before, after: again.finishedOn! };
      if (Date.now() > deadline) throw new Error(`${jobId} was not completed again`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
