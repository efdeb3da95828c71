import * as z from 'zod';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';

export const AUDIT_DEFAULT = 20;
export const AUDIT_MAX = 200;

const Count = z
  .string()
  .regex(/^\d{1,6}$/, { error: (i) => `expected a number of entries (1 to ${AUDIT_MAX}), got ${JSON.stringify(i.input)}` })
  .transform(Number)
  .pipe(z.number().int().min(1, { error: 'expected at least 1 entry' }).max(AUDIT_MAX, { error: `at most ${AUDIT_MAX} entries at a time` }));

export default defineCommand({
  name: 'ferry audit',
  usage: `/ferry audit [N]`,
  summary: `The newest N entries of the audit trail (default ${AUDIT_DEFAULT}, at most ${AUDIT_MAX})`,
  examples: ['/ferry audit', '/ferry audit 50'],
  positionals: ['count'],
  args: z.object({ count: Count.optional() }),
  role: 'admin',
  readsOnly: true,
  run: async ({ args, audit }) => {
    if (!audit) throw new Error('this ferry process keeps no audit trail (it needs Redis: set REDIS_URL or redis.url in ferry.yml)');
    const n = args.count ?? AUDIT_DEFAULT;
    const entries = await audit.recent(n);
    return report({
      title: 'Audit trail',
      reasons: [entries.length === 0 ? 'nothing audited yet' : `the newest ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, newest first`],
      tables: [
        {
          title: 'Entries',
          columns: ['When (UTC)', 'User', 'Command', 'Line', 'Outcome', 'Detail'],
          // ISO time without the T and milliseconds: "2025-01-31 14:02:07"
          rows: entries.map((e) => [e.at.replace('T', ' ').replace(/\.\d+Z$/, ''), e.user, e.command, e.line, e.outcome, e.detail ?? '']),
        },
      ],
    });
  },
});
