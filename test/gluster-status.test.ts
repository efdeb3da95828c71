import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';
import { generateEd25519 } from '../src/lab/server.js';
import { fingerprint, knownHostsName, lookupHostKeys, parseKnownHosts } from '../src/ssh/known-hosts.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3 });
});
afterAll(() => f?.stop());

afterEach(() => f.undoFaults());
const fault: LabFerry['fault'] = (...args) => f.fault(...args);

async function status() {
  const { report } = await f.run('/gluster status', 'U_VIEWER');
  return { report, table: (title: string) => report.tables.find((t) => t.title === title)! };
}

describe('/gluster status', () => {
  test('a healthy cluster is OK with 3 peers connected and 3 bricks online', async () => {
    const { report, table } = await status();
    expect(report.verdict).toBe('OK');
    expect(table('Bricks').rows.map((r) => r[2])).toEqual(['Y', 'Y', 'Y']);
    expect(table('Peers').rows.map((r) => [r[0], r[2]])).toEqual([
      ['compute01.stack', 'yes'],
      ['compute02.stack', 'yes'],
      ['compute03.stack', 'yes'],
    ]);
    expect(table('Nodes').rows.every((r) => r[2] === 'yes' && r[3] === 'fuse.glusterfs' && r[5] === 'nova:nova')).toBe(true);
  });

  test('ten asking at once each get the whole answer, while the nodes run each read far fewer than ten times', async () => {
    const since = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => status()));
    for (const { report, table } of answers) {
      expect(report.verdict).toBe('OK');
      expect(table('Bricks').rows.map((r) => r[2])).toEqual(['Y', 'Y', 'Y']);
      expect(table('Nodes').rows).toHaveLength(3);
    }
    // Reads that waited for a channel together shared one run: less load on glusterd, whose transaction lock they all take.
    const runs = f.lab.calls().filter((c) => c.at >= since && c.argv.join(' ').startsWith('gluster --xml volume status'));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.length).toBeLessThan(10);
  });

  test('a brick down fails and names the brick', async () => {
    await fault('compute02', 'brick-down', ['brick-up']);
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toContain('FAIL: brick compute02.stack:/gluster/instances offline');
    expect(table('Bricks').rows.find((r) => r[1] === 'compute02')?.[2]).toBe('N');
  });

  test('a node whose glusterd is down shows as disconnected', async () => {
    await fault('compute03', 'glusterd-down', ['glusterd-up']);
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons.join('\n')).toMatch(/compute03\.stack disconnected/);
    expect(table('Peers').rows.find((r) => r[0] === 'compute03.stack')?.[2]).toBe('NO');
  });

  test('a node that refuses connections is reported unreachable', async () => {
    await fault('compute02', 'down', ['up']);
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons.join('\n')).toMatch(/compute02 unreachable/);
    expect(table('Nodes').rows.find((r) => r[0] === 'compute02')?.[1]).toMatch(/^NO/);
  });

  test("an unreachable node's row says so once, not in every column", async () => {
    await fault('compute02', 'down', ['up']);
    const { table } = await status();
    const row = table('Nodes').rows.find((r) => r[0] === 'compute02')!;
    expect(row[1]).toMatch(/^NO \(unreachable/);
    expect(row.filter((c) => /unreachable|\?/.test(c))).toHaveLength(1);
    // The other nodes' rows are whole.
    expect(table('Nodes').rows.filter((r) => r[0] !== 'compute02').every((r) => r[2] === 'yes')).toBe(true);
  });

  test('a hanging node is marked as given up after the SSH command timeout, and the others still answer', async () => {
    await fault('compute02', 'hang', ['unhang']);
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    // Given up at the timeout of the phase it hung in (connect, or the command on a pooled connection).
    const waited = Number(/compute02 no answer within (\d+) ms/.exec(report.reasons.join('\n'))?.[1]);
    expect([f.config.ssh.connectTimeoutMs, f.config.ssh.commandTimeoutMs]).toContain(waited);
    expect(table('Nodes').rows.filter((r) => r[0] !== 'compute02').every((r) => !/^NO/.test(r[1]!))).toBe(true);
  });

  test('an unmounted instances directory fails on that node', async () => {
    await fault('compute01', 'unmount', ['mount']);
    const { report } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toContain('FAIL: compute01: /var/lib/nova/instances is not mounted');
  });

  test('a dead FUSE mount (glusterfs client killed) fails, named, with the way back', async () => {
    await fault('compute02', 'fuse-dead', ['mount']);
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    const reason = report.reasons.find((r) => r.startsWith('FAIL: compute02: '));
    expect(reason).toMatch(/dead FUSE mount \(stat \/var\/lib\/nova\/instances: Transport endpoint is not connected\)/);
    expect(reason).toMatch(/instances running there have lost their disks/);
    expect(reason).toMatch(/umount -l \/var\/lib\/nova\/instances && mount -t glusterfs localhost:vm-instances \/var\/lib\/nova\/instances/);
    expect(reason).toMatch(/\/var\/log\/glusterfs\/var-lib-nova-instances\.log/);
    expect(report.reasons.join('\n')).not.toMatch(/cannot read the instances mount|owned/);
    expect(table('Nodes').rows.find((r) => r[0] === 'compute02')?.[2]).toBe('DEAD (not connected)');
  });

  test('a stopped volume leaves every mount not connected: said so, with start as the way back', async () => {
    await f.lab.model.run('compute01', 'gluster --mode=script volume stop vm-instances');
    try {
      const { report } = await status();
      expect(report.verdict).toBe('FAIL');
      expect(report.reasons).toContain('FAIL: compute01: /var/lib/nova/instances: stat /var/lib/nova/instances: Transport endpoint is not connected: volume vm-instances is not started, so no brick answers; instances on compute01 have no disks. Start the volume (gluster volume start vm-instances); the mount reconnects by itself.');
    } finally {
      await f.lab.model.run('compute01', 'gluster volume start vm-instances');
    }
  });

  test('a mount written localhost:/vm-instances or from another pool member is healthy (real/gluster-10.3/mount)', async () => {
    await fault('compute01', 'mount', ['mount'], 'localhost:/vm-instances');
    await fault('compute02', 'mount', ['mount'], 'compute03.stack:/vm-instances');
    const { report, table } = await status();
    expect(report.reasons).toEqual(['3 nodes, every brick online, nothing pending heal']);
    expect(report.verdict).toBe('OK');
    expect(table('Nodes').rows.find((r) => r[0] === 'compute01')?.[4]).toBe('localhost:/vm-instances');
  });

  test('a mount of another volume, or from a server outside the pool, fails on that node', async () => {
    await fault('compute01', 'mount', ['mount'], 'localhost:/vm-instances-old');
    await fault('compute02', 'mount', ['mount'], 'nas9.example:/vm-instances');
    const { report } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons).toContain('FAIL: compute01: /var/lib/nova/instances is mounted from localhost:/vm-instances-old, not volume vm-instances');
    expect(report.reasons.join('\n')).toMatch(/compute02: \/var\/lib\/nova\/instances is mounted from nas9\.example:\/vm-instances: nas9\.example is not a member of the gluster pool/);
  });

  test('gluster 3.2 fails: it read-locks files while healing them', async () => {
    await fault('compute01', 'gluster-version', ['gluster-version', '10.3'], '3.2');
    const { report, table } = await status();
    expect(report.verdict).toBe('FAIL');
    expect(report.reasons.join('\n')).toMatch(/compute01 runs gluster 3\.2, older than 3\.3/);
    expect(table('Nodes').rows.find((r) => r[0] === 'compute01')?.[6]).toBe('3.2');
  });
});

describe('/gluster status when the first nodes are gone', () => {
  test('with compute01..03 down (a rack), the volume is still read from the nodes that answer', async () => {
    const g = await startLabFerry({ computes: 5, instances: 1 });
    try {
      for (const n of ['compute01', 'compute02', 'compute03']) {
        await g.lab.fault(n, 'glusterd-down');
        await g.lab.fault(n, 'down');
      }
      const { report } = await g.run('/gluster status', 'U_VIEWER');
      expect(report.verdict).toBe('FAIL');
      expect(report.reasons.join('\n')).toMatch(/compute01 unreachable/);
      expect(report.reasons.join('\n')).toMatch(/compute01\.stack disconnected/);
      const bricks = report.tables.find((t) => t.title === 'Bricks')!;
      expect(bricks.rows.find((r) => r[1] === 'compute05')?.[2]).toBe('Y');
      const peers = report.tables.find((t) => t.title === 'Peers')!;
      expect(peers.rows.find((r) => r[0] === 'compute02.stack')?.[2]).toBe('NO');
      expect(peers.rows.find((r) => r[0] === 'compute04.stack')?.[2]).toBe('yes');
    } finally {
      await g.stop();
    }
  });
});

describe('/gluster status with a changed host key', () => {
  let g: LabFerry;
  afterAll(() => g?.stop());

  test('says the key CHANGED and shows both fingerprints; an unknown key is told apart', async () => {
    g = await startLabFerry({ computes: 3, instances: 1 });
    const port = (name: string) => g.lab.nodes.find((n) => n.name === name)!.port;
    const prefix = (name: string) => `${knownHostsName('127.0.0.1', port(name))} `;
    const text = await readFile(g.config.ssh.knownHosts, 'utf8');
    const real = fingerprint(lookupHostKeys(parseKnownHosts(text), '127.0.0.1', port('compute02')).keys[0]!.key);
    const other = generateEd25519('other').public;
    const otherFp = fingerprint(Buffer.from(other.split(' ')[1]!, 'base64'));
    // compute02 pinned to another key (changed), compute03 not pinned at all (unknown).
    await writeFile(
      g.config.ssh.knownHosts,
      text
        .split('\n')
        .filter((l) => !l.startsWith(prefix('compute03')))
        .map((l) => (l.startsWith(prefix('compute02')) ? `${prefix('compute02')}${other}` : l))
        .join('\n'),
    );
    const { report } = await g.run('/gluster status', 'U_VIEWER');
    const reasons = report.reasons.join('\n');
    expect(reasons).toMatch(new RegExp(`compute02 host key CHANGED: it presents ${escape(real)}, known_hosts has ${escape(otherFp)}`));
    expect(reasons).toMatch(/compute03 host key unknown: it presents SHA256:\S+, known_hosts has none/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
