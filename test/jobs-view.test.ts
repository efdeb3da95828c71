/**
 * What is running, through the real Bolt app (signed requests and events), the
 * Slack fake, a real redis-server, the lab and real workers: job ids in every
 * job's message, /ferry jobs, /migrate status, and the App Home kept current.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { messageText, startHarness, until, type Harness } from './support/harness.js';
import { homeOpenedEvent } from './support/slack-requests.js';
import { startLabFerry } from './support/lab-ferry.js';
import { renderTerminal } from '../src/cli/render-terminal.js';
import type { FakeMessage, FakeView } from './support/slack-fake.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const FAST = { migration: { pollIntervalMs: 150 } };
const JOB_ID = /job (migrate-[0-9a-f]{8})\b/;

/** The rows of a message's table block as text; a user cell reads `<@U…>`. */
function tableRows(m: FakeMessage): string[][] {
  type Cell = { type: string; text?: string; elements?: { elements: { type: string; user_id?: string; text?: string }[] }[] };
  const table = (m.blocks as { type: string; rows?: Cell[][] }[]).find((b) => b.type === 'table');
  return (table?.rows ?? []).map((row) => row.map((c) => (c.type === 'raw_text' ? c.text! : c.elements!.flatMap((s) => s.elements.map((e) => (e.user_id ? `<@${e.user_id}>` : e.text))).join(''))));
}

/** Waits for a new approval request (a message with an Approve button); its id and ts. */
async function nextRequest(h: Harness): Promise<{ id: string; ts: string }> {
  const approve = (m: FakeMessage) =>
    (m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).find((e) => e.action_id === 'ferry_approve')?.value;
  const m = await h.waitForMessage((x) => approve(x) !== undefined);
  return { id: approve(m)!, ts: m.ts };
}

/** Everything a Home view says, as text. */
const viewText = (v: FakeView) => JSON.stringify(v.view.blocks);

/** The text of the part of a Home view under the header `title` (up to the next header). */
function part(v: FakeView, title: string): string {
  const blocks = v.view.blocks as { type: string; text?: { text: string } }[];
  const start = blocks.findIndex((b) => b.type === 'header' && b.text?.text === title);
  if (start < 0) return '';
  const end = blocks.findIndex((b, i) => i > start && b.type === 'header');
  return JSON.stringify(blocks.slice(start + 1, end < 0 ? undefined : end));
}

/** Migrates cirros1 to compute02 as U_OPS; resolves with its finished message and job id. */
async function migrateCirros1(h: Harness): Promise<{ done: FakeMessage; jobId: string }> {
  await h.slash('/migrate cirros1 compute02', { user: 'U_OPS' });
  const done = await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(m.text), 60_000);
  return { done, jobId: JOB_ID.exec(messageText(done))![1]! };
}

describe('job ids, /ferry jobs and /migrate status', () => {
  test('a migration names its job in every version of its message; /ferry jobs lists it OK with who asked, and an approved evacuation with its approver; /migrate status shows it', async () => {
    h = await startHarness({ migrateSeconds: 1, policy: FAST });
    const { done, jobId } = await migrateCirros1(h);
    expect(done.history.every((v) => messageText(v).includes(`job ${jobId}`))).toBe(true);

    await h.slash('/evacuate compute01 --reason "fan swap"', { user: 'U_OPS' });
    const { id: approvalId, ts } = await nextRequest(h);
    await h.button('ferry_approve', approvalId, { user: 'U_APPROVER', messageTs: ts });
    await h.waitForMessage((m) => m.ts === ts && messageText(m).includes(`job evac-${approvalId}`));

    await h.slash('/ferry jobs', { user: 'U_VIEWER' });
    const list = await h.waitForMessage((m) => m.text.startsWith('Jobs'));
    const rows = tableRows(list);
    expect(rows[0]).toEqual(['Job', 'What', 'Asked by', 'Approved by', 'State', 'Started (UTC)', 'Duration']);
    // Newest first: the evacuation, then the migration; an evacuation's own migrations are not listed one by one.
    expect(rows.slice(1).map((r) => r[0])).toEqual([`evac-${approvalId}`, jobId]);
    expect(rows[1]!.slice(1, 4)).toEqual(['evacuate compute01 (2 instances)', '<@U_OPS>', '<@U_APPROVER>']);
    expect(rows[2]!.slice(1, 5)).toEqual(['migrate cirros1 → compute02', '<@U_OPS>', '-', 'OK']);

    await h.slash(`/migrate status ${jobId}`, { user: 'U_VIEWER' });
    const status = await h.waitForMessage((m) => m.text.startsWith(`Job ${jobId}`));
    const text = messageText(status);
    expect(status.text).toContain(`Job ${jobId}: migrate cirros1 → compute02`);
    expect(text).toMatch(/OK · migrate cirros1 → compute02 · asked by <@U_OPS> · started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · \d+ s/);
    expect(text).toContain('last report: Migrated cirros1 to compute02');
    expect(text).toContain('Before / after');
  });

  test('/migrate status of an unknown id answers one line', async () => {
    h = await startHarness({ migrateSeconds: 1, policy: FAST });
    await h.slash('/migrate status migrate-0000dead', { user: 'U_VIEWER' });
    const unknown = await h.waitForMessage((m) => /No migration job/.test(m.text));
    expect(unknown.text).toBe('No migration job migrate-0000dead in Redis (ended ones are kept 7 days; /ferry jobs lists them)\nVerdict: FAIL');
    expect((unknown.blocks as { type: string }[]).map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  // A ferry serve child: the in-process harness does not stop cleanly once its Redis went away.
  test('with Redis gone, /ferry jobs says only that', async () => {
    h = await startHarness({ child: true, migrateSeconds: 1 });
    await h.redis.stop();
    await h.slash('/ferry jobs', { user: 'U_VIEWER' });
    const gone = await h.waitForMessage((m) => /\/ferry jobs did not run/.test(m.text));
    expect(gone.text).toBe(`/ferry jobs did not run\nVerdict: FAIL\n• Redis at ${h.redis.url} is unreachable; /ferry jobs reads its answer from Redis: ask again once it answers`);
  });
});

test('in a terminal (ferry run), the migration names the same job id as it queues and as it ends', async () => {
  const f = await startLabFerry({ computes: 3, instances: 3, migrateSeconds: 1, redis: true });
  try {
    const queued = (await f.run('/migrate cirros1 compute02')).report;
    const id = JOB_ID.exec(renderTerminal(queued, { color: false }))![1]!;
    const end = await f.finish(queued);
    expect(renderTerminal(end, { color: false })).toMatch(new RegExp(`^Migrated cirros1 to compute02[\\s\\S]*\\njob ${id}$`));
  } finally {
    await f.stop();
  }
});

describe('App Home', () => {
  test('opening Home shows the last storage verdict, the running migration and the waiting request; the migration ending publishes it again', async () => {
    h = await startHarness({ migrateSeconds: 4, policy: FAST });
    const slack = h.slack;
    await h.slash('/gluster status', { user: 'U_OPS' });
    await h.waitForMessage((m) => /Storage: volume vm-instances/.test(m.text));
    await h.slash('/evacuate compute03 --reason "fan swap"', { user: 'U_OPS' });
    const { id: approvalId } = await nextRequest(h);
    await h.slash('/migrate cirros1 compute02', { user: 'U_OPS' });
    const migrating = await h.waitForMessage((m) => /MIGRATING \/ migrating/.test(messageText(m)));
    const jobId = JOB_ID.exec(messageText(migrating))![1]!;

    const ack = await h.event(homeOpenedEvent('U_VIEWER'));
    expect(ack.status).toBe(200);
    const first = await until(() => slack.views('U_VIEWER').find((v) => part(v, 'Running jobs').includes(jobId)), 60_000, 'the Home view');
    expect(part(first, 'Storage')).toMatch(/:white_check_mark: \*vm-instances\* OK — .*\/gluster status by <@U_OPS> at \d{4}-/);
    expect(part(first, 'Running jobs')).toMatch(new RegExp(`${jobId}\\* (running|waiting) · migrate cirros1 → compute02 · asked by <@U_OPS>`));
    expect(part(first, 'Waiting for approval')).toContain(`*${approvalId}* /evacuate compute03 --reason \\"fan swap\\" — asked by <@U_OPS>`);

    // Nobody opens Home again: the migration's end alone publishes it anew.
    await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(m.text), 60_000);
    const after = await until(() => slack.views('U_VIEWER').find((v) => v.at > first.at && part(v, 'Running jobs').includes('Nothing running')), 60_000, 'the Home view after the migration ended');
    expect(viewText(after)).toMatch(new RegExp(`Ended lately.*${jobId}\\* OK · migrate cirros1 → compute02`));
    expect(part(after, 'Waiting for approval')).toContain(approvalId);
  });
});
