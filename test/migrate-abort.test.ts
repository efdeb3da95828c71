/**
 * /migrate abort end to end: signed slash requests to the real Bolt app, the
 * Slack fake, a real redis-server and the lab over SSH. What nova went through
 * is read from the lab (its calls, its migration records, the instance).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { messageText, startHarness, type Harness } from './support/harness.js';
import type { LabModelHandle } from '../src/lab/model.js';
import type { FakeMessage } from './support/slack-fake.js';

const FAST = { migration: { pollIntervalMs: 150 } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const labState = (h: Harness) => (h.lab.model as LabModelHandle).state;
const cirros1 = (h: Harness) => labState(h).instances.find((i) => i.name === 'cirros1')!;
const aborts = (h: Harness) => h.lab.calls().filter((c) => c.argv[0] === 'nova' && c.argv.includes('live-migration-abort'));

const migrating = (h: Harness) => labState(h).instances.filter((i) => i.taskState === 'migrating').map((i) => i.name).sort();

/** The buttons of a message, as [action id, value]. */
const buttonsOf = (m: FakeMessage) =>
  (m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => [e.action_id, e.value]) : []));

/** Waits (with a deadline) until `ok()`. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (with a deadline) until the lab's first migration record has `status` (the lab advances on every command ferry runs). */
async function untilMigration(h: Harness, status: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (labState(h).migrations[0]?.status !== status) {
    if (Date.now() > deadline) throw new Error(`no migration ${status} (${labState(h).migrations[0]?.status ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('/migrate abort', () => {
  test('aborts a running migration: OK naming the source host, record cancelled, and the migration job does not claim the move', async () => {
    h = await startHarness({ migrateSeconds: 120, policy: FAST });
    await h.slash('/migrate cirros1 compute02', { user: 'U_OPS' });
    await untilMigration(h, 'running');
    await h.slash('/migrate abort cirros1', { user: 'U_OPS' });

    const done = await h.waitForMessage((m) => /Aborted the migration of cirros1/.test(m.text), 60_000);
    expect(messageText(done)).toContain(':white_check_mark:');
    expect(messageText(done)).toMatch(/migration 1 of cirros1 \(compute01 → compute02\) cancelled; cirros1 stays on compute01: ACTIVE/);
    expect([cirros1(h).host, cirros1(h).status, cirros1(h).taskState, labState(h).migrations[0]?.status]).toEqual(['compute01', 'ACTIVE', null, 'cancelled']);
    expect(aborts(h).map((c) => c.argv.slice(-2))).toEqual([[cirros1(h).id, '1']]);

    // The job that was following the move ends on the same evidence: not moved, never OK.
    const job = await h.waitForMessage((m) => /Migration of cirros1 to compute02 was aborted/.test(m.text), 60_000);
    expect(messageText(job)).toContain(':x:');
    expect(messageText(job)).toMatch(/migration 1 was aborted \(nova recorded it cancelled\); cirros1 did not move: it is ACTIVE on compute01/);
    expect(h.slack.messages('C0OPS').some((m) => /Migrated cirros1/.test(m.text))).toBe(false);
    expect((await h.audit()).find((e) => e.command === 'migrate abort')).toMatchObject({ user: 'U_OPS', outcome: 'ok' });
  });

  test('nova refuses (the copy is done, nova is finishing on the target): FAIL quoting nova, and the migration goes on', async () => {
    h = await startHarness({ migrateSeconds: 1, policy: FAST });
    await h.lab.fault('compute01', 'post-migration-stall', '600');
    await h.slash('/migrate cirros1 compute02', { user: 'U_OPS' });
    await untilMigration(h, 'post-migrating');
    await h.slash('/migrate abort cirros1', { user: 'U_OPS' });

    const refused = await h.waitForMessage((m) => /nova refused to abort the migration of cirros1/.test(m.text), 60_000);
    const text = messageText(refused);
    expect(text).toContain(':x:');
    expect(text).toContain(`Migration 1 state of instance ${cirros1(h).id} is post-migrating. Cannot abort live migration while the migration is in this state. (HTTP 400)`);
    expect(text).toMatch(/migration 1 of cirros1 \(compute01 → compute02\) goes on \(post-migrating\); cirros1 is MIGRATING \/ migrating on compute01/);
    expect([cirros1(h).status, labState(h).migrations[0]?.status]).toEqual(['MIGRATING', 'post-migrating']);
  });

  test('no running migration: one line, and nothing asked of nova', async () => {
    h = await startHarness({ policy: FAST });
    await h.slash('/migrate abort cirros1', { user: 'U_OPS' });
    const answer = await h.waitForMessage((m) => /No running migration of cirros1/.test(m.text), 60_000);
    expect(answer.text.trim().split('\n')).toHaveLength(1);
    expect(answer.text).toMatch(/No running migration of cirros1 \(ACTIVE on compute01\): nothing to abort/);
    expect(aborts(h)).toHaveLength(0);
  });

  test('a viewer may not abort', async () => {
    h = await startHarness({ policy: FAST });
    await h.slash('/migrate abort cirros1', { user: 'U_VIEWER' });
    expect(await h.waitForEphemeral((t) => /Not allowed/.test(t))).toMatch(/operator/);
    expect(h.lab.calls().filter((c) => c.argv[0] === 'nova')).toHaveLength(0);
  });
});

describe('/evacuate cancel offers to abort the running moves', () => {
  test('its answer has a /migrate abort line and a button for exactly the running ones; a press runs as the presser, role-checked', async () => {
    // nova.conf lets compute01 send one live migration at a time: one runs, four wait.
    const harness = await startHarness({ instances: 5, migrateSeconds: 120, policy: { migration: { pollIntervalMs: 150 } } });
    h = harness;
    await h.slash('/evacuate compute01', { user: 'U_OPS' });
    const request = await h.waitForMessage((m) => buttonsOf(m).some(([id]) => id === 'ferry_approve'));
    const evacId = buttonsOf(request).find(([id]) => id === 'ferry_approve')![1]!;
    await h.button('ferry_approve', evacId, { user: 'U_APPROVER', messageTs: request.ts });
    await until(() => migrating(harness).length === 1, 'a migration running in nova');
    const running = migrating(harness);

    await h.slash(`/evacuate cancel ${evacId}`, { user: 'U_OPS' });
    const answer = await h.waitForMessage((m) => /Cancelling the evacuation of compute01/.test(m.text));
    const offered = [...new Set([...messageText(answer).matchAll(/\/migrate abort (\S+?)(?=\\n|"|\s|$)/g)].map((m) => m[1]))].sort();
    expect(offered).toEqual(running);
    expect(messageText(answer)).toMatch(/4 pending migrations dropped; 1 running go on/);
    const buttons = buttonsOf(answer);
    expect(buttons.map(([, line]) => line).sort()).toEqual(running.map((n) => `/migrate abort ${n}`));
    expect(buttons.every(([id]) => /^ferry_run_\d+$/.test(id!))).toBe(true);

    // A viewer's press is their own request: refused by the same role check as the slash command, nothing aborted.
    const [actionId, line] = buttons[0]!;
    const instance = line!.split(' ').at(-1)!;
    await h.button(actionId!, line!, { user: 'U_VIEWER', messageTs: answer.ts });
    expect(await h.waitForEphemeral((t) => /Not allowed/.test(t))).toMatch(/operator/);
    expect(aborts(h)).toHaveLength(0);

    await h.button(actionId!, line!, { user: 'U_OPS', messageTs: answer.ts });
    const done = await h.waitForMessage((m) => new RegExp(`Aborted the migration of ${instance}`).test(m.text), 60_000);
    expect(messageText(done)).toMatch(new RegExp(`${instance} stays on compute01: ACTIVE`));
    const inst = labState(h).instances.find((i) => i.name === instance)!;
    expect([inst.host, inst.status, labState(h).migrations.find((m) => m.instanceId === inst.id)?.status]).toEqual(['compute01', 'ACTIVE', 'cancelled']);
    expect((await h.audit()).filter((e) => e.command === 'migrate abort').map((e) => [e.user, e.outcome])).toEqual([['U_OPS', 'ok'], ['U_VIEWER', 'refused']]);
  });
});
