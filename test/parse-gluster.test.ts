/**
 * Every capture in shared/fixtures/gluster goes through its parser; plain and XML
 * forms of the same command must describe the same cluster. Synthetic cases at the
 * end cover output a real cluster produces that the captures do not show.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ClusterError, NotFoundError } from '../src/errors.js';
import { glusterErrorFromText } from '../src/cluster/gluster-errors.js';
import { parseFindmnt, parseStat, parseVolumeStatusText } from '../src/cluster/gluster-text-status.js';
import {
  compareVersions, parseHealText, parseOpResult, parsePeerStatusText, parsePoolListText, parseVersion,
  parseVolumeInfoText, parseVolumeListText,
} from '../src/cluster/gluster-text.js';
import type { HealEntry, Peer, VolumeInfo, VolumeStatus } from '../src/cluster/gluster-types.js';
import { parseHealXml, parsePeersXml, parseVolumeInfoXml, parseVolumeListXml, parseVolumeStatusXml } from '../src/cluster/gluster-xml.js';
import { FIXTURES } from './support/fixtures.js';


interface Capture {
  rel: string;
  command: string;
  node?: string;
  exit: number;
  stream: 'stdout' | 'stderr';
  body: string;
}

function load(rel: string): Capture {
  const text = readFileSync(path.join(FIXTURES, rel), 'utf8');
  const split = text.indexOf('\n\n');
  const header = Object.fromEntries(
    text.slice(0, split).split('\n').map((l) => l.match(/^# ([a-z]+): (.*)$/)!.slice(1, 3) as [string, string]),
  );
  return { rel, command: header.command!, node: header.node, exit: Number(header.exit), stream: header.stream as 'stdout' | 'stderr', body: text.slice(split + 2) };
}

function listFiles(dir: string): string[] {
  return readdirSync(path.join(FIXTURES, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(FIXTURES, path.join(d.parentPath, d.name)))
    .sort();
}

const SCENARIOS = ['healthy', 'brick-down', 'volume-stopped'] as const;
type Scenario = (typeof SCENARIOS)[number];
const HOSTS = ['compute01.stack', 'compute02.stack', 'compute03.stack'];
const UUID = { 'compute01.stack': '7d9d7375-5781-4ac4-9c37-e5788e26cba4', 'compute02.stack': '88812388-afe2-403a-8337-8aec06a27913', 'compute03.stack': '3fd700a3-d1f4-4c10-b01d-a7802837c295' };

function expectPeers(peers: Peer[]): void {
  expect(peers.map((p) => [p.hostname, p.uuid, p.connected, p.state])).toEqual([
    ['compute02.stack', UUID['compute02.stack'], true, 'Peer in Cluster'],
    ['compute03.stack', UUID['compute03.stack'], true, 'Peer in Cluster'],
  ]);
}

function expectPool(peers: Peer[]): void {
  expect(peers.map((p) => [p.hostname, p.uuid, p.connected, p.self])).toEqual([
    ['compute02.stack', UUID['compute02.stack'], true, false],
    ['compute03.stack', UUID['compute03.stack'], true, false],
    ['localhost', UUID['compute01.stack'], true, true],
  ]);
}

function expectInfo(vols: VolumeInfo[], s: Scenario): void {
  expect(vols).toHaveLength(1);
  const v = vols[0]!;
  expect(v).toMatchObject({
    name: 'vm-instances', id: '8b61b5e2-7363-404b-ae34-a6dd46673aa9', type: 'Replicate',
    status: s === 'volume-stopped' ? 'Stopped' : 'Started', started: s !== 'volume-stopped',
    brickCount: 3, distCount: 1, replicaCount: 3, arbiterCount: 0, transport: 'tcp', snapshotCount: 0,
  });
  expect(v.bricks.map((b) => [b.host, b.path, b.arbiter])).toEqual(HOSTS.map((h) => [h, '/gluster/instances', false]));
  expect(v.options['performance.client-io-threads']).toBe('off');
  expect(Object.keys(v.options)).toHaveLength(5);
}

/** healthy: 3 bricks online; brick-down: compute02's brick offline with no pid/port. */
function expectStatus(all: VolumeStatus[], s: Scenario, detail: boolean): void {
  expect(all.map((v) => v.volume)).toEqual(['vm-instances']);
  const st = all[0]!;
  expect(st.bricks.map((b) => [b.host, b.path, b.online])).toEqual(HOSTS.map((h) => [h, '/gluster/instances', !(s === 'brick-down' && h === 'compute02.stack')]));
  const c02 = st.bricks[1]!;
  if (s === 'brick-down') expect([c02.pid, c02.port, c02.rdmaPort]).toEqual([null, null, null]);
  else expect([c02.pid, c02.port, c02.rdmaPort]).toEqual([14532, 49648, null]);
  expect(st.bricks[0]).toMatchObject({ pid: 14497, port: 60515 });
  if (detail) {
    expect(st.daemons).toEqual([]);
    for (const b of st.bricks) {
      expect(b.detail).toMatchObject({ fsType: 'ext4', device: '/dev/vda', inodesTotal: 16777216 });
      // Text rounds to one decimal (252.0GB); XML is exact. They agree within 0.1%.
      expect(Math.abs(b.detail!.sizeTotalBytes! - 270553174016) / 270553174016).toBeLessThan(0.001);
    }
  } else {
    expect(st.daemons.map((d) => [d.name, d.online]).every(([n, o]) => n === 'Self-heal Daemon' && o)).toBe(true);
    expect(st.daemons.map((d) => d.host).sort()).toEqual(['compute02.stack', 'compute03.stack', 'localhost']);
  }
}

/** healthy: nothing pending; brick-down: compute02 unreachable, 13 entries (12 files + /) pending on the others. */
function expectHeal(entries: HealEntry[], s: Scenario, mode: 'info' | 'summary' | 'split-brain'): void {
  expect(entries.map((e) => e.brick)).toEqual(HOSTS.map((h) => `${h}:/gluster/instances`));
  const down = s === 'brick-down';
  expect(entries.map((e) => e.connected)).toEqual([true, !down, true]);
  if (mode !== 'split-brain') expect(entries.map((e) => e.pending)).toEqual(down ? [13, null, 13] : [0, 0, 0]);
  else expect(entries.map((e) => e.pending)).toEqual([null, null, null]);
  if (mode !== 'info') expect(entries.map((e) => e.splitBrain)).toEqual(down ? [0, null, 0] : [0, 0, 0]);
  if (mode === 'info' && down) {
    expect(entries[0]!.files.map((f) => f.path)).toContain('/disk-12');
    expect(entries[0]!.files).toHaveLength(13);
    expect(entries[1]!.files).toHaveLength(0);
  }
  if (mode === 'summary') expect(entries.map((e) => e.possiblyHealing)).toEqual(down ? [0, null, 0] : [0, 0, 0]);
}

function expectThrows(fn: () => unknown, type: new (...a: never[]) => Error, kind?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  if (kind) expect((caught as ClusterError).kind).toBe(kind);
}

const notStarted = (fn: () => unknown) => expectThrows(fn, ClusterError, 'volume-not-started');
type Handler = (c: Capture, s: Scenario) => void;

/** Per scenario directory, by file name. */
const SCENARIO_FILES: Record<string, Handler> = {
  'peer-status.stdout.txt': (c) => expectPeers(parsePeerStatusText(c.body)),
  'peer-status.xml.stdout.txt': (c) => expectPeers(parsePeersXml(c.body)),
  'pool-list.stdout.txt': (c) => expectPool(parsePoolListText(c.body)),
  'pool-list.xml.stdout.txt': (c) => expectPool(parsePeersXml(c.body)),
  'version.stdout.txt': (c) => expect(parseVersion(c.body)).toEqual({ text: '10.3', major: 10, minor: 3, patch: 0 }),
  'volume-list.stdout.txt': (c) => expect(parseVolumeListText(c.body)).toEqual(['vm-instances']),
  'volume-list.xml.stdout.txt': (c) => expect(parseVolumeListXml(c.body)).toEqual(['vm-instances']),
  'volume-info.stdout.txt': (c, s) => expectInfo(parseVolumeInfoText(c.body), s),
  'volume-info.xml.stdout.txt': (c, s) => expectInfo(parseVolumeInfoXml(c.body), s),
  'volume-status.stdout.txt': (c, s) => expectStatus(parseVolumeStatusText(c.body), s, false),
  'volume-status-all.stdout.txt': (c, s) =>
    s === 'volume-stopped' ? expect(parseVolumeStatusText(c.body)).toEqual([]) : expectStatus(parseVolumeStatusText(c.body), s, false),
  'volume-status.xml.stdout.txt': (c, s) =>
    s === 'volume-stopped' ? notStarted(() => parseVolumeStatusXml(c.body)) : expectStatus(parseVolumeStatusXml(c.body), s, false),
  'volume-status-detail.stdout.txt': (c, s) => expectStatus(parseVolumeStatusText(c.body), s, true),
  'volume-status-detail.xml.stdout.txt': (c, s) =>
    s === 'volume-stopped' ? notStarted(() => parseVolumeStatusXml(c.body)) : expectStatus(parseVolumeStatusXml(c.body), s, true),
  // `volume status` (all volumes) exits 0 and says on stderr which ones are not started.
  'volume-status-all.stderr.txt': (c) => notStarted(() => { throw glusterErrorFromText(c.body); }),
  'volume-status.stderr.txt': (c) => notStarted(() => { throw glusterErrorFromText(c.body); }),
  'volume-status-detail.stderr.txt': (c) => notStarted(() => { throw glusterErrorFromText(c.body); }),
  'heal-info.stdout.txt': (c, s) => (s === 'volume-stopped' ? notStarted(() => { throw glusterErrorFromText(c.body); }) : expectHeal(parseHealText(c.body), s, 'info')),
  'heal-info.xml.stdout.txt': (c, s) => (s === 'volume-stopped' ? notStarted(() => parseHealXml(c.body)) : expectHeal(parseHealXml(c.body), s, 'info')),
  'heal-info-summary.stdout.txt': (c, s) => (s === 'volume-stopped' ? notStarted(() => { throw glusterErrorFromText(c.body); }) : expectHeal(parseHealText(c.body), s, 'summary')),
  'heal-info-summary.xml.stdout.txt': (c, s) => (s === 'volume-stopped' ? notStarted(() => parseHealXml(c.body)) : expectHeal(parseHealXml(c.body), s, 'summary')),
  'heal-info-split-brain.stdout.txt': (c, s) => (s === 'volume-stopped' ? notStarted(() => { throw glusterErrorFromText(c.body); }) : expectHeal(parseHealText(c.body), s, 'split-brain')),
  'volume-start.stdout.txt': (c) => expect(parseOpResult(c.body)).toEqual({ op: 'volume start', volume: 'vm-instances', ok: true, message: '' }),
  'volume-stop.stdout.txt': (c) => expect(parseOpResult(c.body)).toEqual({ op: 'volume stop', volume: 'vm-instances', ok: true, message: '' }),
};

/** setup/ and mount/, by path. */
const OTHER_FILES: Record<string, (c: Capture) => void> = {
  'setup/peer-probe-already.stdout.txt': (c) => expect(parseOpResult(c.body)).toMatchObject({ op: 'peer probe', ok: true, message: 'Host compute02.stack port 24007 already in peer list' }),
  'setup/peer-probe-compute02.stdout.txt': (c) => expect(parseOpResult(c.body)).toEqual({ op: 'peer probe', volume: null, ok: true, message: '' }),
  'setup/peer-probe-compute03.stdout.txt': (c) => expect(parseOpResult(c.body).ok).toBe(true),
  'setup/peer-probe-unreachable.stderr.txt': (c) => {
    expect(parseOpResult(c.body)).toMatchObject({ ok: false, message: 'Probe returned with Transport endpoint is not connected' });
    expectThrows(() => { throw glusterErrorFromText(c.body); }, ClusterError, 'peer-unreachable');
  },
  'setup/peer-probe-unresolvable.stderr.txt': (c) => expectThrows(() => { throw glusterErrorFromText(c.body); }, ClusterError, 'peer-unreachable'),
  'setup/volume-create-exists.stderr.txt': (c) => {
    expect(parseOpResult(c.body)).toMatchObject({ op: 'volume create', volume: 'vm-instances', ok: false });
    expectThrows(() => { throw glusterErrorFromText(c.body); }, ClusterError, 'volume-exists');
  },
  'setup/volume-create-root-partition.stderr.txt': (c) => expectThrows(() => { throw glusterErrorFromText(c.body); }, ClusterError, 'root-partition'),
  'setup/volume-create.stdout.txt': (c) => expect(parseOpResult(c.body)).toEqual({ op: 'volume create', volume: 'vm-instances', ok: true, message: 'please start the volume to access data' }),
  'setup/volume-start-already.stderr.txt': (c) => expectThrows(() => { throw glusterErrorFromText(c.body); }, ClusterError, 'already-started'),
  'setup/volume-start.stdout.txt': (c) => expect(parseOpResult(c.body).ok).toBe(true),
  'setup/volume-status-nosuchvol.stderr.txt': (c) => expectThrows(() => { throw glusterErrorFromText(c.body); }, NotFoundError),
  'setup/volume-status-nosuchvol.xml.stdout.txt': (c) => expectThrows(() => parseVolumeStatusXml(c.body), NotFoundError),
  'setup/volume-status-not-started.stderr.txt': (c) => notStarted(() => { throw glusterErrorFromText(c.body); }),
  // Commands whose output is nothing or raw bytes: nothing to parse, but the capture must be what we think.
  'mount/seen-on-compute02.stdout.txt': (c) => expect(c.body).toBe('hello\n'),
};
for (const n of ['01', '02', '03']) {
  OTHER_FILES[`mount/chown-compute${n}.stdout.txt`] = (c) => expect(c.body).toBe('');
  OTHER_FILES[`mount/mount-compute${n}.stdout.txt`] = (c) => expect(c.body).toBe('');
  OTHER_FILES[`mount/findmnt-before-mount-compute${n}.stdout.txt`] = (c) => {
    expect(c.exit).toBe(1);
    expect(parseFindmnt(c.body, '/var/lib/nova/instances')).toEqual({ target: '/var/lib/nova/instances', mounted: false, fstype: null, source: null });
  };
  OTHER_FILES[`mount/findmnt-compute${n}.stdout.txt`] = (c) =>
    expect(parseFindmnt(c.body, '/var/lib/nova/instances')).toEqual({ target: '/var/lib/nova/instances', mounted: true, fstype: 'fuse.glusterfs', source: 'localhost:vm-instances' });
  // `findmnt` without -n/-o is for people; ferry does not run it. Check it says the same.
  OTHER_FILES[`mount/findmnt-full-compute${n}.stdout.txt`] = (c) => expect(c.body).toMatch(/^\/var\/lib\/nova\/instances localhost:vm-instances fuse\.glusterfs /m);
  OTHER_FILES[`mount/glusterfs-version-compute${n}.stdout.txt`] = (c) => expect(compareVersions(parseVersion(c.body), '3.3')).toBeGreaterThan(0);
  OTHER_FILES[`mount/stat-after-chown-compute${n}.stdout.txt`] = (c) => expect(parseStat(c.body)).toEqual({ owner: 'nova', group: 'nova', mode: '755' });
  OTHER_FILES[`mount/stat-before-chown-compute${n}.stdout.txt`] = (c) =>
    expect(parseStat(c.body)).toEqual({ owner: n === '01' ? 'root' : 'nova', group: n === '01' ? 'root' : 'nova', mode: '755' });
}

const files = listFiles('gluster');

describe('every gluster capture', () => {
  test('has a case in this table', () => {
    const unhandled = files.filter((f) => {
      const [, dir, name] = f.split(path.sep);
      return (SCENARIOS as readonly string[]).includes(dir!) ? !SCENARIO_FILES[name!] : !OTHER_FILES[path.join(dir!, name!)];
    });
    expect(files.length).toBeGreaterThan(90);
    expect(unhandled).toEqual([]);
  });

  test.each(files)('%s', (file) => {
    const [, dir, name] = file.split(path.sep);
    const capture = load(path.join('gluster', dir!, name!));
    if ((SCENARIOS as readonly string[]).includes(dir!)) SCENARIO_FILES[name!]!(capture, dir as Scenario);
    else OTHER_FILES[path.join(dir!, name!)]!(capture);
  });
});

describe('plain and XML describe the same cluster', () => {
  const both = <T>(s: Scenario, base: string, text: (b: string) => T, xml: (b: string) => T) =>
    [text(load(`gluster/${s}/${base}.stdout.txt`).body), xml(load(`gluster/${s}/${base}.xml.stdout.txt`).body)] as const;

  test.each(SCENARIOS)('%s: peers, pool, volume info', (s) => {
    const [tp, xp] = both(s, 'peer-status', parsePeerStatusText, parsePeersXml);
    expect(tp).toEqual(xp);
    const [tl, xl] = both(s, 'pool-list', parsePoolListText, parsePeersXml);
    const key = (p: Peer) => [p.hostname, p.uuid, p.connected, p.self];
    expect(tl.map(key)).toEqual(xl.map(key));
    const [ti, xi] = both(s, 'volume-info', parseVolumeInfoText, parseVolumeInfoXml);
    const strip = (v: VolumeInfo) => ({ ...v, bricks: v.bricks.map((b) => ({ ...b, hostUuid: null })) });
    expect(ti.map(strip)).toEqual(xi.map(strip));
  });

  test.each(['healthy', 'brick-down'] as const)('%s: volume status and heal', (s) => {
    const key = (v: VolumeStatus) => v.bricks.map((b) => [b.name, b.online, b.pid, b.port, b.rdmaPort]);
    const [ts, xs] = both(s, 'volume-status', parseVolumeStatusText, parseVolumeStatusXml);
    expect(key(ts[0]!)).toEqual(key(xs[0]!));
    const daemons = (v: VolumeStatus) => v.daemons.map((d) => [d.name, d.host, d.online, d.pid]).sort();
    expect(daemons(ts[0]!)).toEqual(daemons(xs[0]!));
    const [td, xd] = both(s, 'volume-status-detail', parseVolumeStatusText, parseVolumeStatusXml);
    expect(key(td[0]!)).toEqual(key(xd[0]!));
    const heal = (e: HealEntry) => [e.brick, e.connected, e.pending, e.files.map((f) => f.path)];
    const [th, xh] = both(s, 'heal-info', parseHealText, parseHealXml);
    expect(th.map(heal)).toEqual(xh.map(heal));
    const [tsum, xsum] = both(s, 'heal-info-summary', parseHealText, parseHealXml);
    const counts = (e: HealEntry) => [e.brick, e.connected, e.pending, e.splitBrain, e.possiblyHealing];
    expect(tsum.map(counts)).toEqual(xsum.map(counts));
  });
});

describe('synthetic output the captures do not show', () => {
  test('a peer whose glusterd is down, with other names', () => {
    // Format of `Other names:` from gluster's CLI source (one name a line); not captured here.
    const out = 'Number of Peers: 1\n\nHostname: compute02.stack\nUuid: 88812388-afe2-403a-8337-8aec06a27913\nState: Peer in Cluster (Disconnected)\nOther names:\n198.18.0.12\ncompute02\n';
    expect(parsePeerStatusText(out)).toEqual([
      { hostname: 'compute02.stack', uuid: '88812388-afe2-403a-8337-8aec06a27913', state: 'Peer in Cluster', connected: false, self: false, otherNames: ['198.18.0.12', 'compute02'] },
    ]);
    const pool = 'UUID\t\t\t\t\tHostname       \tState\n88812388-afe2-403a-8337-8aec06a27913\tcompute02.stack\tDisconnected \n';
    expect(parsePoolListText(pool)[0]).toMatchObject({ connected: false });
    expect(parsePeerStatusText('Number of Peers: 0\n')).toEqual([]);
  });

  test('the local glusterd down is a typed error, with the host', () => {
    const err = glusterErrorFromText('Connection failed. Please check if gluster daemon is operational.\n', 'compute02');
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).toMatchObject({ kind: 'glusterd-down', host: 'compute02' });
  });

  test('a long brick name wraps in the status table', () => {
    // gluster cuts the process column at 43 characters and puts the rest on the next line.
    const name = 'Brick compute01.a-rather-long-domain.example:/gluster/instances';
    const out = [
      'Status of volume: vm-instances',
      'Gluster process                             TCP Port  RDMA Port  Online  Pid',
      '------------------------------------------------------------------------------',
      name.slice(0, 43),
      `${name.slice(43).padEnd(44)}N/A       N/A        N       N/A  `,
      'Self-heal Daemon on localhost               N/A       N/A        Y       14514',
      ' ',
    ].join('\n');
    const [st] = parseVolumeStatusText(out);
    expect(st!.bricks).toEqual([
      { name: 'compute01.a-rather-long-domain.example:/gluster/instances', host: 'compute01.a-rather-long-domain.example', path: '/gluster/instances', online: false, pid: null, port: null, rdmaPort: null, peerId: null },
    ]);
    expect(st!.daemons).toHaveLength(1);
  });

  test('a brick missing from the status table is simply absent', () => {
    // glusterd leaves out bricks of a peer it cannot reach (unsure: some versions print N/A rows instead).
    const out = `Status of volume: vm-instances\nGluster process                             TCP Port  RDMA Port  Online  Pid\n${'-'.repeat(78)}\nBrick compute01.stack:/gluster/instances    60515     0          Y       14497\n`;
    expect(parseVolumeStatusText(out)[0]!.bricks.map((b) => b.host)).toEqual(['compute01.stack']);
  });

  test('heal info with split-brain and possibly-healing entries (blank lines inside a block)', () => {
    const out = 'Brick compute01.stack:/gluster/instances\n/disk-1 - Is in split-brain\n\n/disk-2 - Possibly undergoing heal\n\n/disk-3 \n<gfid:0b257273-2ae6-4367-821c-1bcb2dde98bf> \nStatus: Connected\nNumber of entries: 4\n\n';
    const [e] = parseHealText(out);
    expect(e).toMatchObject({ pending: 4, splitBrain: 1, connected: true });
    expect(e!.files.map((f) => [f.path, f.splitBrain, f.possiblyHealing])).toEqual([
      ['/disk-1', true, false], ['/disk-2', false, true], ['/disk-3', false, false], ['<gfid:0b257273-2ae6-4367-821c-1bcb2dde98bf>', false, false],
    ]);
  });

  test('volume info of an arbiter volume, without reconfigured options', () => {
    const out = '\nVolume Name: vm-instances\nType: Replicate\nVolume ID: 8b61b5e2-7363-404b-ae34-a6dd46673aa9\nStatus: Created\nSnapshot Count: 0\nNumber of Bricks: 1 x (2 + 1) = 3\nTransport-type: tcp\nBricks:\nBrick1: a:/b1\nBrick2: b:/b1\nBrick3: c:/b1 (arbiter)\n';
    const [v] = parseVolumeInfoText(out);
    expect(v).toMatchObject({ status: 'Created', started: false, replicaCount: 3, arbiterCount: 1, brickCount: 3, options: {} });
    expect(v!.bricks.map((b) => b.arbiter)).toEqual([false, false, true]);
  });

  test('empty and odd values', () => {
    expect(parseVolumeListText('No volumes present in cluster\n')).toEqual([]);
    expect(parseVolumeListXml('<?xml version="1.0"?><cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><volList><count>0</count></volList></cliOutput>')).toEqual([]);
    expect(parseStat('UNKNOWN:UNKNOWN 2775\n')).toEqual({ owner: 'UNKNOWN', group: 'UNKNOWN', mode: '2775' });
    expect(parseFindmnt('fuse.glusterfs localhost:vm-instances /var/lib/nova/my\\x20instances\n', '/var/lib/nova/my instances')).toMatchObject({ mounted: true, source: 'localhost:vm-instances' });
  });

  test('XML that is cut off or not XML is "unparsable" (GlusterOps then asks for text)', () => {
    const body = load('gluster/healthy/peer-status.xml.stdout.txt').body;
    expectThrows(() => parsePeersXml(body.slice(0, 200)), ClusterError, 'unparsable');
    expectThrows(() => parsePeersXml('unrecognized word: --xml (position 0)\n'), ClusterError, 'unparsable');
  });

  test('versions compare numerically', () => {
    expect(compareVersions('3.2', '3.3')).toBeLessThan(0);
    expect(compareVersions(parseVersion('glusterfs 3.12.15\n'), '3.3')).toBeGreaterThan(0);
    expect(compareVersions(parseVersion('glusterfs 3.4.2 built on Jan  3 2014 12:38:05\n'), '3.4.2')).toBe(0);
    expect(compareVersions('10.3', '9.6')).toBeGreaterThan(0);
    expectThrows(() => parseVersion('bash: gluster: command not found\n'), ClusterError, 'unparsable');
  });
});

