/**
 * Every capture of the real GlusterFS 10.3 pool (test/fixtures/real/gluster-10.3)
 * read the way GlusterOps reads a run (readXml / readText on stdout, stderr and
 * the exit code together), and the quirks its INDEX.md lists. Plain and XML runs
 * of the same command must describe the same cluster.
 */
import { describe, expect, test } from 'vitest';
import { readText, readXml } from '../src/cluster/gluster-answer.js';
import { parseFindmnt, parseVolumeStatusText } from '../src/cluster/gluster-text-status.js';
import { parseHealText, parseOpResult, parsePeerStatusText, parsePoolListText, parseVersion, parseVolumeInfoText, parseVolumeListText } from '../src/cluster/gluster-text.js';
import type { HealEntry, Peer, VolumeInfo, VolumeStatus } from '../src/cluster/gluster-types.js';
import { parseCliOutput, parseHealXml, parsePeersXml, parseVolumeInfoXml, parseVolumeListXml, parseVolumeStatusXml } from '../src/cluster/gluster-xml.js';
import { judgeMountSource } from '../src/cluster/mount-source.js';
import { capturedRuns, type CapturedRun } from './support/gluster-captures.js';

const runs = capturedRuns('real/gluster-10.3');
const run = (base: string) => runs.find((r) => r.base === base) ?? expect.fail(`no capture ${base}`);

type Reader = { text: (s: string) => unknown; xml: (s: string, host?: string) => unknown };
/** The gluster reads ferry runs, by their arguments (without `gluster`, `--xml`). */
const READS: [RegExp, Reader][] = [
  [/^peer status$/, { text: parsePeerStatusText, xml: parsePeersXml }],
  [/^pool list$/, { text: parsePoolListText, xml: parsePeersXml }],
  [/^volume list$/, { text: parseVolumeListText, xml: parseVolumeListXml }],
  [/^volume info( \S+)?$/, { text: parseVolumeInfoText, xml: parseVolumeInfoXml }],
  [/^volume status( \S+)?( detail)?$/, { text: parseVolumeStatusText, xml: parseVolumeStatusXml }],
  [/^volume heal \S+ info( summary| split-brain)?$/, { text: parseHealText, xml: parseHealXml }],
];

const argsOf = (r: CapturedRun) => r.command.split(' ').filter((w) => !['gluster', '--xml', '--mode=script'].includes(w)).join(' ');
const isXml = (r: CapturedRun) => r.command.split(' ').includes('--xml');
const readerOf = (r: CapturedRun) => (r.command.startsWith('gluster ') ? READS.find(([re]) => re.test(argsOf(r)))?.[1] : undefined);

/** What GlusterOps makes of the run: `{ value }`, `{ error: 'Class/kind' }`, or `{ askText }` (XML unusable). */
function read(r: CapturedRun): { value?: unknown; error?: string; askText?: true } {
  const reader = readerOf(r)!;
  try {
    if (!isXml(r)) return { value: readText(r, reader.text) };
    const v = readXml(r, reader.xml);
    return v === undefined ? { askText: true } : { value: v };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}/${(err as { kind?: string }).kind ?? ''}` };
  }
}

/** The runs that must come out as a typed error (everything else ferry reads must give a value). */
const ERRORS: [RegExp, string][] = [
  [/^concurrent\//, 'ClusterError/busy'],
  [/^peer-down\/(peer-status|volume-status)-on-compute03/, 'ClusterError/glusterd-down'],
  [/^setup\/(heal-info|volume-info|volume-status)-nosuchvol/, 'NotFoundError/'],
  [/^setup\/(heal-info|volume-status)-not-started/, 'ClusterError/volume-not-started'],
  // ...except the XML `volume status` of all volumes, which just lists no started volume.
  [/^volume-stopped\/(heal-info|volume-status)(?!-all\.xml)/, 'ClusterError/volume-not-started'],
];

const reads = runs.filter((r) => readerOf(r));

describe('every gluster read ferry runs, as GlusterOps reads it', () => {
  test('the captures are all here', () => {
    expect(runs.flatMap((r) => r.files)).toHaveLength(302);
    expect(reads.length).toBeGreaterThan(180);
  });

  test.each(reads.map((r) => [r.base, r] as const))('%s', (_, r) => {
    const want = ERRORS.find(([re]) => re.test(r.base))?.[1];
    const got = read(r);
    if (want) expect(got).toEqual({ error: want });
    else expect(got).toEqual({ value: expect.anything() });
  });
});

/** What plain and XML must agree on, per kind of answer (XML adds uuids, states and counters the text lacks). */
function key(value: unknown, args: string): unknown {
  if (/^(peer status|pool list)/.test(args)) return (value as Peer[]).map((p) => [p.hostname, p.uuid, p.connected, p.self]).sort();
  if (/^volume info/.test(args)) return (value as VolumeInfo[]).map((v) => ({ ...v, bricks: v.bricks.map((b) => ({ ...b, hostUuid: null })) }));
  if (/^volume status/.test(args)) {
    return (value as VolumeStatus[]).map((v) => ({
      volume: v.volume,
      bricks: v.bricks.map((b) => [b.name, b.online, b.pid, b.port, b.rdmaPort]),
      daemons: v.daemons.map((d) => [d.name, d.host, d.online, d.pid]).sort(),
    }));
  }
  if (/ info summary$/.test(args)) return (value as HealEntry[]).map((e) => [e.brick, e.connected, e.pending, e.splitBrain, e.possiblyHealing]);
  if (/ info split-brain$/.test(args)) return (value as HealEntry[]).map((e) => [e.brick, e.connected, e.files.map((f) => f.path)]);
  if (/ info$/.test(args)) return (value as HealEntry[]).map((e) => [e.brick, e.connected, e.pending, e.files.map((f) => f.path).sort()]);
  return value;
}

const pairs = reads.filter((r) => !isXml(r) && runs.some((x) => x.base === `${r.base}.xml`));

describe('plain and XML describe the same cluster', () => {
  test('every plain read with an XML twin', () => expect(pairs.length).toBeGreaterThan(80));

  test.each(pairs.map((r) => [r.base, r] as const))('%s', (_, r) => {
    const [t, x] = [read(r), read(run(`${r.base}.xml`))];
    if (r.base === 'volume-stopped/volume-status-all') return expect([t, x]).toEqual([{ error: 'ClusterError/volume-not-started' }, { value: [] }]);
    if (t.error || x.error) return expect(x).toEqual(t);
    expect(key(x.value, argsOf(r))).toEqual(key(t.value, argsOf(r)));
  });
});

const status = (base: string) => (read(run(base)).value as VolumeStatus[])[0]!;
const heal = (base: string) => read(run(base)).value as HealEntry[];

describe('the quirks of real/gluster-10.3/INDEX.md', () => {
  test('--xml refusals exit 0 with opRet -1: read as the typed refusal, never as success', () => {
    expect(run('setup/volume-status-nosuchvol.xml').exitCode).toBe(0);
    expect(read(run('setup/volume-status-nosuchvol.xml'))).toEqual({ error: 'NotFoundError/' });
    expect(read(run('setup/volume-info-nosuchvol.xml'))).toEqual({ error: 'NotFoundError/' });
    expect(read(run('concurrent/volume-status-locked.xml'))).toEqual({ error: 'ClusterError/busy' });
    for (const [base, kind] of [['setup/volume-create-exists.xml', 'volume-exists'], ['setup/volume-start-already.xml', 'already-started'], ['setup/peer-probe-unreachable.xml', 'peer-unreachable']]) {
      expect(run(base!).exitCode).toBe(0);
      expect(() => parseCliOutput(run(base!).stdout, 'gluster')).toThrow(expect.objectContaining({ kind }));
    }
  });

  test('volume status without a volume: a lone space on stdout, exit 0, the reason on stderr', () => {
    const locked = run('concurrent/volume-status-all-locked');
    expect([locked.stdout, locked.exitCode]).toEqual([' \n', 0]);
    expect(read(locked)).toEqual({ error: 'ClusterError/busy' });
    const stopped = run('volume-stopped/volume-status-all');
    expect([stopped.stdout, stopped.exitCode]).toEqual([' \n', 0]);
    expect(read(stopped)).toEqual({ error: 'ClusterError/volume-not-started' });
  });

  test('No volumes present (on stderr, exit 0): no volumes, not an error', () => {
    for (const base of ['setup/volume-list-empty', 'setup/volume-info-empty', 'setup/volume-status-empty']) {
      expect(run(base).stderr).toMatch(/^No volumes present( in cluster)?\n$/);
      expect(read(run(base))).toEqual({ value: [] });
      expect(read(run(`${base}.xml`))).toEqual({ value: [] });
    }
  });

  test('a long brick name wrapped onto the next line is joined back (two-volumes)', () => {
    const long = status('two-volumes/volume-status-long-names');
    expect(long.bricks.map((b) => [b.host, b.path, b.online])).toEqual(
      ['compute01.stack', 'compute02.stack', 'compute03.stack'].map((h) => [h, '/gluster/bricks/vm-instances-second-volume-long-brick-dir', true]),
    );
    expect(long.daemons).toHaveLength(3);
    const all = read(run('two-volumes/volume-status-all')).value as VolumeStatus[];
    expect(all.map((v) => [v.volume, v.bricks.length])).toEqual([['scratch-volume', 3], ['vm-instances', 3]]);
    // One self-heal daemon per node serves both volumes: the same PIDs in both tables.
    expect(all[0]!.daemons.map((d) => d.pid).sort()).toEqual(all[1]!.daemons.map((d) => d.pid).sort());
  });

  test('a killed brick: offline, no pid, no port', () => {
    expect(status('brick-down/volume-status').bricks.map((b) => [b.host, b.online, b.pid, b.port])[1]).toEqual(['compute02.stack', false, null, null]);
  });

  test('a peer whose glusterd is down has no rows at all, neither brick nor self-heal daemon (peer-down)', () => {
    const s = status('peer-down/volume-status');
    expect(s.bricks.map((b) => b.host)).toEqual(['compute01.stack', 'compute02.stack']);
    expect(s.daemons.map((d) => d.host).sort()).toEqual(['compute02.stack', 'localhost']);
  });

  test('healing disabled: no self-heal daemon rows (heal-pending)', () => {
    const s = status('heal-pending/volume-status');
    expect(s.bricks.every((b) => b.online)).toBe(true);
    expect(s.daemons).toEqual([]);
  });

  test('heal info of an unreachable brick: not connected, `Number of entries: -` is unknown, not 0', () => {
    for (const base of ['peer-down/heal-info', 'peer-down/heal-info.xml', 'brick-down/heal-info', 'brick-down/heal-info.xml']) {
      const down = heal(base).find((e) => !e.connected)!;
      expect(down.status).toBe('Transport endpoint is not connected');
      expect(down.pending).toBeNull();
    }
  });

  test('the garbled XML heal summary of an unreachable brick: not connected, no counters', () => {
    const body = run('peer-down/heal-info-summary.xml').stdout;
    expect(body).toContain('(Transport endpoint is not connected)totalNumberOfEntries0</status>');
    const down = heal('peer-down/heal-info-summary.xml').find((e) => e.host === 'compute03.stack')!;
    expect(down).toMatchObject({ connected: false, pending: null, splitBrain: null, possiblyHealing: null });
  });

  test('pending heal counts (heal-pending), and zero once healed', () => {
    expect(heal('heal-pending/heal-info-summary').map((e) => e.pending)).toEqual(heal('heal-pending/heal-info-summary.xml').map((e) => e.pending));
    expect(heal('heal-pending/heal-info-summary').some((e) => (e.pending ?? 0) > 0)).toBe(true);
    expect(heal('heal-pending/heal-info-summary-healed').map((e) => e.pending)).toEqual([0, 0, 0]);
  });

  test('heal info of a stopped volume exits 251, of a missing one 254: typed, whatever the exit code', () => {
    expect([run('volume-stopped/heal-info').exitCode, run('volume-stopped/heal-info.xml').exitCode, run('setup/heal-info-nosuchvol').exitCode]).toEqual([251, 251, 254]);
  });

  test('no local glusterd: the plain sentence, exit 1, even with --xml', () => {
    const r = run('peer-down/volume-status-on-compute03.xml');
    expect([r.exitCode, r.stdout.trim()]).toEqual([1, 'Connection failed. Please check if gluster daemon is operational.']);
  });

  test('mutating commands: success and refusal as the op line says; a y/n prompt at exit 0 is never success', () => {
    const ops = runs.filter((r) => /^(peer probe|volume (create|start|stop|delete)) /.test(argsOf(r)) && !isXml(r));
    expect(ops.length).toBeGreaterThan(20);
    for (const r of ops) {
      if (/without-script-mode/.test(r.base)) {
        expect(r.exitCode).toBe(0);
        expect(() => parseOpResult(r.stdout)).toThrow(expect.objectContaining({ kind: 'unparsable' }));
      } else expect([r.base, parseOpResult(r.stdout || r.stderr).ok]).toEqual([r.base, r.exitCode === 0]);
    }
  });

  test('version, findmnt: 10.3 everywhere; the mount is localhost:/vm-instances, which is the volume', () => {
    for (const r of runs.filter((x) => /--version$/.test(x.command))) expect(parseVersion(r.stdout).text).toBe('10.3');
    for (const r of runs.filter((x) => x.command === 'findmnt -n -o FSTYPE,SOURCE,TARGET /var/lib/nova/instances')) {
      const m = parseFindmnt(r.stdout, '/var/lib/nova/instances');
      expect(m).toEqual({ target: '/var/lib/nova/instances', mounted: true, fstype: 'fuse.glusterfs', source: 'localhost:/vm-instances' });
      expect(judgeMountSource(m.source, { volume: 'vm-instances', poolHosts: [] }).ok).toBe(true);
    }
  });

  test('what ferry does not parse is still what the INDEX says', () => {
    const rest = runs.filter((r) => !readerOf(r));
    for (const r of rest) {
      const args = argsOf(r);
      if (/ (clients|client-list)$/.test(args)) {
        if (isXml(r)) expect(() => parseCliOutput(r.stdout, 'gluster')).not.toThrow(expect.objectContaining({ kind: 'unparsable' }));
        else if (r.exitCode === 0) expect(r.stdout).toMatch(/^Client connections for volume vm-instances\n/);
      } else if (/^volume get all cluster\.(max-)?op-version$/.test(args)) {
        expect(isXml(r) ? JSON.stringify(parseCliOutput(r.stdout, 'gluster')) : r.stdout).toMatch(/100000/);
      } else if (/^volume heal \S+( enable| disable| statistics heal-count)?$/.test(args)) {
        // --xml is ignored here: the plain sentence, success or refusal as the exit code says.
        expect([r.base, /has been (successful|unsuccessful)/.exec(r.stdout + r.stderr)?.[1]]).toEqual([r.base, r.exitCode === 0 ? 'successful' : 'unsuccessful']);
      } else if (r.command.startsWith('stat ')) expect(r.stdout).toBe('nova:nova 755 directory\n');
      else if (r.command.startsWith('findmnt ')) {
        const m = parseFindmnt(r.command.includes(' -o ') ? r.stdout : r.stdout.split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3).reverse().join(' ')).join('\n'), '/var/lib/nova/instances');
        expect([r.base, m.mounted, m.source]).toEqual([r.base, r.exitCode === 0, r.exitCode === 0 ? 'localhost:/vm-instances' : null]);
      } else if (/^(ls|df|cat|echo|rm|chown|mount|glusterfs|gluster --version|gluster --xml --version|gluster --mode=script --xml|gluster (--mode=script )?(--xml )?(volume (stop|delete|create|start)|peer probe) )/.test(r.command)) {
        expect(r.exitCode).toBeGreaterThanOrEqual(0);
      } else expect.fail(`capture ${r.base} (${r.command}) is not covered`);
    }
  });
});
