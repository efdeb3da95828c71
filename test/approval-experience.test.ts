/**
 * An approval request as the people in the channel meet it, through the real
 * Bolt app and the Slack fake: the approvers' group is pinged when the request
 * is posted, the Approve button repeats what will happen before it counts, a
 * waiting request does not look done, and a request that will never run loses
 * its buttons and says who stopped it.
 */
import { describe, expect, test } from 'vitest';
import { withHarness, type Harness } from './support/harness.js';
import type { FakeMessage } from './support/slack-fake.js';
import { confirmDialog } from '../src/slack/confirm-dialog.js';

interface Button {
  action_id: string;
  value: string;
  confirm?: { title: { text: string }; text: { text: string }; confirm: { text: string }; deny: { text: string } };
}

type Block = { type: string; text?: { text: string }; elements?: (Button & { text?: string })[] };

const blocksOf = (m: { blocks: unknown[] }) => m.blocks as Block[];
const approveButton = (m: { blocks: unknown[] }): Button | undefined =>
  blocksOf(m).flatMap((b) => (b.type === 'actions' ? b.elements ?? [] : [])).find((e) => e.action_id === 'ferry_approve');
const headerOf = (m: { blocks: unknown[] }) => blocksOf(m).find((b) => b.type === 'header')?.text?.text ?? '';

/** The request message, once its buttons are on it. */
const requestMessage = (h: Harness, seen = new Set<string>()) => h.waitForMessage((m) => approveButton(m) !== undefined && !seen.has(m.ts));

describe('an approval request', () => {
  test('pings the approvers group when posted, waits with an hourglass, and Approve repeats host, instances and concurrency', () =>
    withHarness({ instances: 3, policy: { approverGroup: 'S0APPROVERS', migration: { pollIntervalMs: 150 } } }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req = await requestMessage(h);

      // The ping is in the message as first posted (an edit adds no notification), in block text, unescaped.
      const posted = h.slack.calls('chat.postMessage').find((c) => JSON.stringify(c.args.blocks).includes('Evacuate compute01'))!;
      const contexts = (posted.args.blocks as Block[]).filter((b) => b.type === 'context').map((b) => JSON.stringify(b));
      expect(contexts.some((c) => c.includes('<!subteam^S0APPROVERS>'))).toBe(true);
      expect(String(posted.args.text)).toContain('<!subteam^S0APPROVERS>');
      expect(JSON.stringify(posted.args.blocks)).not.toContain('&lt;!subteam');

      expect(headerOf(req)).toBe(':hourglass_flowing_sand: Evacuate compute01? Waiting for approval');
      expect(headerOf(req)).not.toContain(':white_check_mark:');

      const confirm = approveButton(req)!.confirm!;
      expect(confirm.title.text).toBe('Evacuate compute01?');
      expect(confirm.text.text).toBe('nova-compute on compute01 is disabled, then 3 instances live-migrate off it, 1 at once: cirros1, cirros2, cirros3.');
      expect(confirm.confirm.text).toBe('Approve');

      await h.button('ferry_approve', approveButton(req)!.value, { user: 'U_APPROVER', messageTs: req.ts });
      const done = await h.waitForMessage((m) => m.ts === req.ts && /Evacuated compute01/.test(m.text), 60_000);
      expect(headerOf(done)).toBe(':white_check_mark: Evacuated compute01');
      expect(approveButton(done)).toBeUndefined();
    }));

  test('Approve on a long evacuation names as many instances as Slack’s dialog holds, and counts the rest', () => {
    const items = Array.from({ length: 40 }, (_, i) => `instance-${String(i + 1).padStart(2, '0')}`);
    const d = confirmDialog({ title: 'Evacuate compute01?', text: 'nova-compute on compute01 is disabled, then 40 instances live-migrate off it, 2 at once', items });
    expect(d.text.text.length).toBeLessThanOrEqual(300);
    expect(d.text.text).toMatch(/: instance-01, instance-02, .*instance-\d\d and \d+ more\.$/);
    const shown = d.text.text.match(/instance-\d\d/g)!.length;
    expect(d.text.text).toContain(`and ${40 - shown} more.`);
  });

  test('without a group configured nobody is pinged; /evacuate cancel and Reject take the buttons away and say who', () =>
    withHarness({ instances: 2 }, async (h) => {
      const seen = new Set<string>();
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const first = await requestMessage(h, seen);
      seen.add(first.ts);
      expect(JSON.stringify(h.slack.calls('chat.postMessage').map((c) => [c.args.text, c.args.blocks]))).not.toContain('subteam');

      await h.slash(`/evacuate cancel ${approveButton(first)!.value}`, { user: 'U_OPS' });
      const cancelled = await h.waitForMessage((m) => m.ts === first.ts && /^Cancelled: \/evacuate compute01/.test(m.text));
      expect(blocksOf(cancelled).some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(cancelled.blocks)).toContain('cancelled by <@U_OPS>, who asked for it; nothing was started');

      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const second = await requestMessage(h, seen);
      await h.button('ferry_reject', approveButton(second)!.value, { user: 'U_APPROVER', messageTs: second.ts });
      const rejected = await h.waitForMessage((m) => m.ts === second.ts && /^Rejected: /.test(m.text));
      expect(blocksOf(rejected).some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(rejected.blocks)).toContain('rejected by <@U_APPROVER>; nothing was started');
      expect(h.lab.calls().filter((c) => c.argv[1] === 'live-migration' || c.argv[1] === 'service-disable')).toHaveLength(0);
    }));

  test('a request clicked after it expired says so in place of its buttons', () =>
    withHarness({ instances: 1, policy: { approvalTtlSeconds: 1 } }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const req: FakeMessage = await requestMessage(h);
      await new Promise((r) => setTimeout(r, 1500));
      await h.button('ferry_approve', approveButton(req)!.value, { user: 'U_APPROVER', messageTs: req.ts });
      const expired = await h.waitForMessage((m) => m.ts === req.ts && /^Expired: \/evacuate compute01/.test(m.text));
      expect(blocksOf(expired).some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(expired.blocks)).toMatch(/nobody approved it before .*; nothing was started/);
    }));
});
