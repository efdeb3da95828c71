/**
 * Button presses obey the same policy as slash commands: a signed block_actions
 * request from a channel outside ferry.yml's `channels` approves nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHANNEL, startHarness, type Harness } from './support/harness.js';
import type { FakeMessage } from './support/slack-fake.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ computes: 3, instances: 2, channels: [CHANNEL], policy: { migration: { pollIntervalMs: 150 } } });
});
afterAll(() => h?.stop());

function approvalIdOf(m: FakeMessage): string | undefined {
  for (const b of m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) {
    const button = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'ferry_approve') : undefined;
    if (button) return button.value;
  }
  return undefined;
}

const liveMigrations = () => h.lab.calls().filter((c) => c.argv[0] === 'nova' && c.argv[1] === 'live-migration');

describe('one policy for slash commands and buttons', () => {
  test('an Approve pressed in a channel outside the allowlist is refused, answered only to the presser, audited, and runs nothing', async () => {
    await h.slash('/evacuate compute01', { user: 'U_OPS' });
    const request = await h.waitForMessage((m) => approvalIdOf(m) !== undefined);
    const id = approvalIdOf(request)!;
    const ephemerals = h.slack.ephemerals().length;

    const ack = await h.button('ferry_approve', id, { user: 'U_APPROVER', messageTs: request.ts, channel: 'C0ELSEWHERE' });
    expect(ack.status).toBe(200);
    const answer = await h.waitForEphemeral((t) => /Not approved/.test(t));
    expect(answer).toMatch(/ferry does not take commands in this channel/);
    expect(h.slack.ephemerals().slice(ephemerals)).toEqual([expect.objectContaining({ channel: 'C0ELSEWHERE', user: 'U_APPROVER', via: 'response_url' })]);
    const [entry] = await h.audit(1);
    expect(entry).toMatchObject({ user: 'U_APPROVER', channel: 'C0ELSEWHERE', command: 'approval', outcome: 'refused' });
    expect(entry!.detail).toMatch(/does not take commands in this channel/);
    expect(liveMigrations()).toHaveLength(0);

    // The refusal decided nothing: the same approval pressed in the allowed channel starts the evacuation.
    await h.button('ferry_approve', id, { user: 'U_APPROVER', messageTs: request.ts });
    const deadline = Date.now() + 60_000;
    while (liveMigrations().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(liveMigrations().length).toBeGreaterThan(0);
  });

  test('a slash command from outside the allowlist is refused the same way', async () => {
    await h.slash('/gluster status', { user: 'U_OPS', channel: 'C0ELSEWHERE' });
    const answer = await h.waitForEphemeral((t) => /Not allowed/.test(t));
    expect(answer).toMatch(/ferry does not take commands in this channel/);
  });
});
