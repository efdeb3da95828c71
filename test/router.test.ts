import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { route, tokenize } from '../src/router.js';
import { InstanceRef, HostArg } from '../src/arg-schemas.js';
import { defineCommand } from '../src/command.js';
import { report } from '../src/report.js';
import { UsageError } from '../src/errors.js';
import { commands } from '../commands/index.js';

const migrateLike = defineCommand({
  name: 'migrate',
  usage: '/migrate <instance> <target-host> [--dry-run]',
  summary: 'test',
  examples: [],
  positionals: ['instance', 'target'],
  flags: { 'dry-run': { type: 'boolean' } },
  args: z.object({ instance: InstanceRef, target: HostArg, dryRun: z.boolean().default(false) }),
  role: 'operator',
  run: async () => report({ title: 'x' }),
});

describe('every example of every command parses', () => {
  for (const c of commands) {
    for (const ex of c.examples) {
      test(ex, () => {
        expect(route(ex, commands).command.name).toBe(c.name);
      });
    }
  }
});

describe('every command answers help with its own examples', () => {
  for (const c of commands.filter((c) => c.name !== 'ferry help')) {
    test(`/${c.name} help`, () => {
      const routed = route(`/${c.name} help`, commands);
      expect(routed.command.name).toBe(`${c.name} help`);
      expect(routed.command.role).toBe('viewer');
    });
  }
});

describe('the router', () => {
  test('turns words and flags into validated arguments', () => {
    expect(route('/migrate cirros1 compute02 --dry-run', [migrateLike]).args).toEqual({ instance: 'cirros1', target: 'compute02', dryRun: true });
  });

  test('keeps quoted words together and expands nothing', () => {
    expect(tokenize(`/evacuate compute01 --reason "disk swap \$HOME" '$(id)'`)).toEqual(['/evacuate', 'compute01', '--reason', 'disk swap $HOME', '$(id)']);
  });

  test('answers a hostile argument with the usage and what was wrong', () => {
    // Any printable name is nova's to judge (argv quoting keeps it one word); a control character cannot be a name.
    const err = catchUsage(() => route(`/migrate 'cirros1\n; rm -rf /' compute02`, [migrateLike]));
    expect(err.message).toMatch(/instance: expected an instance name or UUID, got "cirros1\\n; rm -rf \/": .*control/);
    expect(err.usage).toBe(migrateLike.usage);
  });

  test('refuses shell operators outside quotes', () => {
    expect(catchUsage(() => route('/migrate cirros1 compute02; id', [migrateLike])).message).toMatch(/unexpected ';'/);
  });

  test('names a missing argument, an unknown flag and an extra word', () => {
    expect(catchUsage(() => route('/migrate cirros1', [migrateLike])).message).toMatch(/target/);
    expect(catchUsage(() => route('/migrate cirros1 compute02 --now', [migrateLike])).message).toMatch(/--now/);
    expect(catchUsage(() => route('/migrate cirros1 compute02 compute03', [migrateLike])).message).toMatch(/unexpected argument "compute03"/);
  });

  test('an unknown command points at help', () => {
    expect(catchUsage(() => route('/nosuch thing', commands)).message).toMatch(/ferry help/);
  });
});

function catchUsage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('approval policy from ferry.yml', () => {
  test('a command listed in policy.approval needs approval even without a plan of its own (its line waits: approval-gate.test.ts)', async () => {
    const { loadConfig } = await import('../src/config.js');
    const { needsApproval } = await import('../src/policy.js');
    const config = loadConfig(
      {},
      `nodes:\n  control: { name: control, host: 127.0.0.1 }\n  computes: [{ name: compute01, host: 127.0.0.1 }]\nssh: { key: k, knownHosts: kh }\npolicy: { approval: [migrate] }\n`,
    );
    expect(needsApproval(config, migrateLike)).toBe(true);
    expect(needsApproval({ ...config, policy: { ...config.policy, approval: [] } }, migrateLike)).toBe(false);
  });
});
