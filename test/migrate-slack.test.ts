import { afterEach, describe, expect, test } from 'vitest';
import { startHarness, messageText, type Harness } from './support/harness.js';
import type { LabModelHandle } from '../src/lab/model.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const liveMigrations = (h: Harness, instanceId?: string) =>
  h.lab.calls().filter((c) => c.argv[0] === 'nova' && c.argv.includes('live-migration') && (!instanceId || c.argv.includes(instanceId)));

/** Waits until the lab has received a live-migration (the moment to kill or stop ferry). */
async function untilIssued(h: Harness): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (liveMigrations(h).length === 0) {
    if (Date.now() > deadline) throw new Error('no live-migration issued');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('/migrate from Slack', () => {
  test('cirros1 ends ACTIVE on compute02, in one message updated in place that ends in the before/after table', async () => {
    h = await startHarness({ migrateSeconds: 3 });
    const ack = await h.slash('/migrate cirros1 compute02');
    expect(ack.status).toBe(200);
    const done = await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(m.text), 40_000);
    expect(h.slack.messages('C0OPS').filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(done.history.length).toBeGreaterThan(2);
    expect(done.history.some((v) => /MIGRATING \/ migrating on compute01/.test(messageText(v)))).toBe(true);
    expect(messageText(done)).toMatch(/Before \/ after/);
    // Every version of the message names who asked, as a mention Slack renders.
    expect(done.history.every((v) => messageText(v).includes('asked by <@U_OPS>'))).toBe(true);
    expect(messageText(done)).not.toContain('&lt;@');
    const table = done.blocks.find((b) => (b as { type: string }).type === 'table');
    expect(JSON.stringify(table)).toMatch(/compute02/);
    expect(liveMigrations(h)).toHaveLength(1);
  });

  test('kill -9 of ferry mid-migration: started again, the job finishes with one live-migration', async () => {
    h = await startHarness({ child: true, migrateSeconds: 6 });
    await h.slash('/migrate cirros1 compute02');
    await untilIssued(h);
    await h.kill();
    await h.startFerry();
    const done = await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(m.text), 60_000);
    expect(done.text).toMatch(/Migrated cirros1 to compute02/);
    expect(liveMigrations(h)).toHaveLength(1);
  });
});

describe('/migrate and a ferry restart', () => {
  test('SIGTERM mid-migration stops ferry at once; the next ferry finishes the watch with one live-migration', async () => {
    h = await startHarness({ child: true, migrateSeconds: 8 });
    await h.slash('/migrate cirros1 compute02');
    await untilIssued(h);
    await h.stopFerry();
    // At once: ferry did not wait out the 8 s migration it was watching, which nova still runs.
    expect((h.lab.model as LabModelHandle).state.instances.find((i) => i.name === 'cirros1')?.status).toBe('MIGRATING');
    await h.startFerry();
    await h.waitForMessage((m) => /Migrated cirros1 to compute02/.test(m.text), 60_000);
    expect(liveMigrations(h)).toHaveLength(1);
  });
});
