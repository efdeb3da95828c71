/**
 * Mentions end to end: report text carries mention tokens (src/mention.ts), and
 * each surface renders them. Through the real Bolt app with signed requests and
 * the Slack fake, Slack receives real `<@U…>` / `<#C…>` mentions (never the
 * escaped `&lt;@…&gt;` it would show literally); through `ferry run`, the
 * terminal shows `@U…` and never a raw `<@U…>`.
 */
import os from 'node:os';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { describe, expect, test } from 'vitest';
import { CHANNEL, messageText, withHarness, type Harness } from './support/harness.js';
import { startLabFerry } from './support/lab-ferry.js';
import { ferry } from './support/ferry-cli.js';

/** Everything ferry sent to Slack for messages whose text matches: texts and blocks as the Web API received them. */
const sent = (h: Harness, match: RegExp) =>
  JSON.stringify(
    [...h.slack.calls('chat.postMessage'), ...h.slack.calls('chat.update')]
      .filter((c) => match.test(String(c.args.text)) || match.test(JSON.stringify(c.args.blocks)))
      .map((c) => [c.args.text, c.args.blocks]),
  );

const approveValue = (m: { blocks: unknown[] }) =>
  (m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => (b.type === 'actions' ? b.elements ?? [] : []))
    .find((e) => e.action_id === 'ferry_approve')?.value;

describe('mentions in Slack (real Bolt app, signed requests, Slack fake)', () => {
  test('a forced /migrate by an admin says "FORCED by <@U_ADMIN>" as a real mention in every version of its message, the final one included', () =>
    withHarness({ computes: 3, instances: 3, migrateSeconds: 1 }, async (h) => {
      await h.lab.fault('compute01', 'cache-unsafe');
      await h.slash('/migrate cirros1 compute02 --force', { user: 'U_ADMIN' });
      // The preflight FAILs (unsafe cache mode); the admin's --force queues the move past it (and nova
      // may then refuse it too). The job's end is in the same message, and so is the override.
      const done = await h.waitForMessage((m) => /^(Migrated cirros1|Migration of cirros1) to compute02/.test(m.text), 60_000);
      expect(JSON.stringify(done.blocks)).toContain('FORCED by <@U_ADMIN> past: disk cache on compute01');
      const versions = done.history.map((v) => JSON.stringify(v.blocks));
      expect(versions.length).toBeGreaterThan(1);
      for (const v of versions) expect(v).toContain('FORCED by <@U_ADMIN> past: disk cache on compute01');
      // The ended job, looked up later, says so too.
      const jobId = /job (migrate-[0-9a-f]{8})\b/.exec(messageText(done))![1]!;
      await h.slash(`/migrate status ${jobId}`, { user: 'U_OPS' });
      const status = await h.waitForMessage((m) => m.text.startsWith(`Job ${jobId}`));
      expect(JSON.stringify(status.blocks)).toContain('FORCED by <@U_ADMIN> past: disk cache on compute01');
      const forced = sent(h, /FORCED by/);
      expect(forced).not.toContain('&lt;@');
      expect(forced).not.toContain('\uE000');
    }));

  test('an approval request says "asked by <@U_OPS>", and once approved "approved by <@U_APPROVER>", as mentions', () =>
    withHarness({ computes: 3, instances: 2, policy: { migration: { pollIntervalMs: 150 } } }, async (h) => {
      await h.slash('/evacuate compute01', { user: 'U_OPS' });
      const request = await h.waitForMessage((m) => approveValue(m) !== undefined);
      expect(sent(h, /Evacuate compute01/)).toContain('asked by <@U_OPS>');
      await h.button('ferry_approve', approveValue(request)!, { user: 'U_APPROVER', messageTs: request.ts });
      await h.waitForMessage((m) => m.ts === request.ts && /Evacuated compute01/.test(m.text), 60_000);
      const thread = sent(h, /compute01/);
      expect(thread).toContain('asked by <@U_OPS>, approved by <@U_APPROVER>');
      expect(thread).not.toContain('&lt;@');
    }));

  test('a command from a channel outside the allowlist is told "use one of <#C0OPS>" with a real channel mention', () =>
    withHarness({ computes: 3, instances: 1, channels: [CHANNEL] }, async (h) => {
      await h.slash('/gluster status', { user: 'U_OPS', channel: 'C0ELSEWHERE' });
      await h.waitForEphemeral((t) => /use one of/.test(t));
      const refusal = JSON.stringify(h.slack.ephemerals().filter((e) => /use one of/.test(e.text + JSON.stringify(e.blocks))));
      expect(refusal).toContain(`use one of: <#${CHANNEL}>`);
      expect(refusal).not.toContain('&lt;#');
    }));
});

describe('mentions on the terminal (ferry run)', () => {
  test('a forced /migrate run as a mapped admin prints "FORCED by @U_ADMIN", no raw <@U…> and no token delimiters', async () => {
    const f = await startLabFerry({ computes: 3, instances: 3, redis: true, migrateSeconds: 1 });
    try {
      // This OS user is U_ADMIN in ferry.yml's cli.users, so `ferry run` acts (and is named) as that Slack id.
      const file = parseYaml(await readFile(f.lab.configPath, 'utf8')) as Record<string, unknown>;
      const config = path.join(path.dirname(f.lab.configPath), 'ferry-admin.yml');
      await writeFile(config, stringifyYaml({ ...file, cli: { users: { [os.userInfo().username]: 'U_ADMIN' } } }));
      await f.lab.fault('compute01', 'cache-unsafe');
      const r = await ferry(['run', '/migrate cirros1 compute02 --force', '--redis'], { env: { FERRY_CONFIG: config, REDIS_URL: f.redis!.url } });
      const out = r.stdout + r.stderr;
      expect(out).toContain('FORCED by @U_ADMIN past: disk cache on compute01');
      expect(out).not.toMatch(/<[@#][A-Z0-9_]+>/);
      expect(out).not.toMatch(/[\uE000\uE001]/);
    } finally {
      await f.stop();
    }
  });
});
