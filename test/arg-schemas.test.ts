/**
 * One rule per kind of argument, the same in every command: each accepted and
 * refused value goes through the real router (src/router.ts, the path Slack and
 * `ferry run` take) for every command that takes that kind of argument, and
 * through the cluster layer's last check before an argv. A command that grows
 * its own copy of a rule, or a rule that drifts, fails here.
 */
import { describe, expect, test } from 'vitest';
import { quote } from 'shell-quote';
import type { z } from 'zod';
import { route } from '../src/router.js';
import { commands } from '../commands/index.js';
import { UsageError } from '../src/errors.js';
import { BrickPath, EvacuationId, HostArg, InstanceRef, MigrationJobId, Reason, VolumeArg } from '../src/arg-schemas.js';
import { assertHostName, assertInstanceRef } from '../src/cluster/nova.js';
import { assertVolumeName } from '../src/cluster/gluster.js';
import { assertBrickPath } from '../src/cluster/gluster-admin.js';

type Args = Record<string, unknown>;
type Pick = (a: Args) => unknown;
const first = (k: string): Pick => (a) => (a[k] as unknown[])[0];

interface Kind {
  schema: z.ZodType;
  accepted: string[];
  refused: string[];
  /** Command lines with `{}` where the value goes, and where the parsed value lands. */
  lines: [string, Pick][];
  /** The cluster layer's own check of the same rule, if it has one. */
  assert?: (v: string) => void;
  /** What an accepted value becomes (default: itself). */
  parsed?: (v: string) => string;
}

const KINDS: Record<string, Kind> = {
  'instance name or UUID': {
    schema: InstanceRef,
    // nova takes any printable Unicode up to 255 characters: spaces, Cyrillic, CJK, emoji.
    accepted: ['cirros1', '2991ad7d-b33e-4d3c-828b-da07338119f1', 'web server 1', 'web-ü-云', 'сервер-01', 'a'.repeat(255), '🙂'.repeat(255)],
    refused: ['   ', 'a'.repeat(256), 'bell\u0007', 'rtl\u202Eoverride', 'line\nbreak', '-rf'],
    lines: [
      ['/migrate {} compute02', (a) => a.instance],
      ['/migrate abort {}', (a) => a.instance],
      ['/nova show {}', (a) => a.instance],
    ],
    assert: assertInstanceRef,
  },
  'host name': {
    schema: HostArg,
    accepted: ['compute01', 'compute01.stack', 'c-1.example.org', '10.0.0.5', 'a'.repeat(63)],
    // RFC 1123: labels of letters, digits and inner '-', at most 63 each and 253 in all.
    refused: ['comp ute', 'compute_01', 'compute-', 'a'.repeat(64), `${'x.'.repeat(126)}xy`, 'compute01;id', 'ü.example', '-compute'],
    lines: [
      ['/migrate cirros1 {}', (a) => a.target],
      ['/evacuate {} --dry-run', (a) => a.host],
      ['/evacuate compute01 --to {}', first('to')],
      ['/gluster probe {}', (a) => a.host],
      ['/nova list --host {}', (a) => a.host],
      ['/nova service-enable {}', (a) => a.host],
      ['/gluster bootstrap --nodes {},compute02', first('nodes')],
      ['/gluster volume create v replica 2 {}:/b compute02:/b', (a) => (a.bricks as { host: string }[])[0]!.host],
    ],
    assert: assertHostName,
  },
  'volume name': {
    schema: VolumeArg,
    accepted: ['vm-instances', 'vm_scratch2', 'a'.repeat(64)],
    refused: ['vm instances', 'vm.instances', 'a'.repeat(65), 'vol;id', 'ü'],
    lines: [
      ['/gluster status {}', (a) => a.volume],
      ['/gluster volume info {}', (a) => a.volume],
      ['/gluster volume start {}', (a) => a.volume],
      ['/gluster volume stop {}', (a) => a.volume],
      ['/gluster volume create {} replica 2 compute01:/b compute02:/b', (a) => a.volume],
      ['/gluster bootstrap {}', (a) => a.volume],
    ],
    assert: assertVolumeName,
  },
  'brick directory': {
    schema: BrickPath,
    accepted: ['/gluster/scratch', '/data/brick-1/vm_x.d'],
    refused: ['relative/b', '/a/../b', '/a/./b', '/a b', '/a;id', '/'],
    lines: [['/gluster volume create v replica 2 compute01:{} compute02:/b', (a) => (a.bricks as { path: string }[])[0]!.path]],
    assert: assertBrickPath,
  },
  'disabled reason': {
    schema: Reason,
    accepted: ['disk swap', 'замена диска', 'fan 🙂', 'x'.repeat(255), '🙂'.repeat(255)],
    refused: ['-x', 'tab\there', 'a'.repeat(256), '   ', 'rtl\u202E'],
    lines: [['/evacuate compute01 --reason {}', (a) => a.reason]],
  },
  'evacuation id': {
    schema: EvacuationId,
    accepted: ['3fa2b1c9', 'evac-3fa2b1c9'],
    refused: ['evac-', '3fa2 b1c9', '../x', 'a'.repeat(33)],
    lines: [
      ['/evacuate status {}', (a) => a.id],
      ['/evacuate cancel {}', (a) => a.id],
    ],
    parsed: (v) => v.replace(/^evac-/, ''),
  },
  'migration job id': {
    schema: MigrationJobId,
    accepted: ['migrate-1a2b3c4d', 'evac-3fa2b1c9-cirros1', '1a2b3c4d'],
    refused: ['migrate 1a2b', '../x', 'a'.repeat(122), '-x'],
    lines: [['/migrate status {}', (a) => a.id]],
  },
};

const lineWith = (template: string, value: string) => template.replace('{}', quote([value]));
/** A test's name: the line, with a long value shown by its length. */
const label = (template: string, value: string) => ([...value].length > 40 ? template.replace('{}', `${[...value].slice(0, 6).join('')}…(${[...value].length} chars)`) : lineWith(template, value));
const routed = (line: string) => route(line, commands).args as Args;

/** Whether `target` appears anywhere in `schema`'s definition (wrapped in optional, pipe, array, object, ...). */
function uses(schema: unknown, target: unknown, seen = new Set<unknown>()): boolean {
  if (schema === target) return true;
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return false;
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  const parts = def ? Object.values(def) : Array.isArray(schema) ? schema : Object.values(schema);
  return parts.some((p) => uses(p, target, seen));
}

describe.each(Object.entries(KINDS))('%s', (_kind, k) => {
  test.each(k.lines.flatMap(([template, pick]) => k.accepted.map((v) => [label(template, v), v, template, pick] as const)))('accepts %s', (_label, value, template, pick) => {
    expect(pick(routed(lineWith(template, value)))).toBe(k.parsed ? k.parsed(value) : value);
  });

  test.each(k.lines.flatMap(([template]) => k.refused.map((v) => [label(template, v), lineWith(template, v)] as const)))('refuses %j', (_label, line) => {
    expect(() => routed(line)).toThrow(UsageError);
  });

  test('the cluster layer agrees, value by value', () => {
    if (!k.assert) return;
    for (const v of k.accepted) expect(() => k.assert!(v), v).not.toThrow();
    for (const v of k.refused) expect(() => k.assert!(v), v).toThrow(UsageError);
  });

  test('every command of the catalog that takes this kind of argument is in the table', () => {
    const tested = new Set(k.lines.map(([template]) => route(lineWith(template, k.accepted[0]!), commands).command.name));
    const takers = commands.filter((c) => uses(c.args, k.schema)).map((c) => c.name);
    for (const name of takers) expect(tested, `/${name} takes a ${_kind} but is not tested here`).toContain(name);
  });
});
