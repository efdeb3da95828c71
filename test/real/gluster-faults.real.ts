/**
 * `/gluster status` against real GlusterFS 10.3 (npm run test:real): every storage fault made for
 * real on the bed, ferry's verdict and rows compared with what the gluster CLI says on the nodes.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startBed, bedSh, bedProcesses, expectNoLeftovers, onNode, waitUntil, NODES, VOLUME, MOUNT, type Bed, type NodeName } from './support/bed.js';
import { cliBricks, cliHeal, cliPool, cliVolumeState, isAlive, isReaped, nodeMount, nodeProcesses, nodeRssMiB, pidsOf, PROC } from './support/cli-truth.js';

let bed: Bed;
let torn = false;
const undo: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  bed = await startBed();
  const rss = await Promise.all(NODES.map(nodeRssMiB));
  console.log(`real gluster bed up in ${bed.upSeconds.toFixed(1)} s; its processes hold ${rss.map((m) => m.toFixed(0)).join(' + ')} MiB resident`);
}, 300_000);
// Runs however the tests went: the bed down, then nothing of it left (the last test checks the same, by name).
afterAll(async () => {
  if (!torn) await (bed ? bed.stop() : bedSh(['down']));
  await expectNoLeftovers();
}, 120_000);

afterEach(async () => {
  for (const f of undo.splice(0).reverse()) await f();
  if (!torn) await healthyAgain();
}, 180_000);

const status = () => bed.ferry('/gluster status');
const brick = (n: NodeName) => `${n}.stack:/gluster/instances`;
const kill = (pids: number[], signal: NodeJS.Signals = 'SIGKILL') => pids.forEach((p) => process.kill(p, signal));
const remount = (n: NodeName) => onNode(n, `umount -l ${MOUNT} 2>/dev/null; mount -t glusterfs localhost:/${VOLUME} ${MOUNT}`);

/** Waits until the killed processes are reaped (see isReaped: what glusterd checks before starting one again). */
const reaped = (pids: number[]) => waitUntil(`PIDs ${pids.join(' ')} to be reaped`, async () => pids.every(isReaped));

/** Starts the node's glusterd again, once its killed daemons are reaped. */
async function startGlusterd(n: NodeName, killed: number[]) {
  await reaped(killed);
  return onNode(n, 'glusterd -p /run/glusterd.pid');
}

/**
 * `gluster volume start force` for bricks that were killed, once they are reaped. A brick killed by
 * SIGKILL leaves its pidfile (/run/gluster/vols/vm-instances/HOST-gluster-instances.pid) behind,
 * and the CLI shows it offline as soon as its socket to glusterd closes, while its PID is still a
 * zombie. glusterd_brick_start() asks gf_is_service_running(pidfile), which counts a zombie as
 * running: glusterd logs "discovered already-running brick", connects to the dead brick's socket
 * and leaves the brick offline, and `start force` still says success.
 */
async function startForce(killed: number[]) {
  await reaped(killed);
  const r = await onNode('compute01', `gluster volume start ${VOLUME} force`);
  if (r.code !== 0) throw new Error(`gluster volume start ${VOLUME} force: exit ${r.code}: ${r.stdout}${r.stderr}`);
}

/**
 * Waits until the CLI shows the healthy bed again: every brick online, every peer connected, every
 * mount answering, and on every node exactly one glusterd, brick and self-heal daemon (a daemon
 * being started forks, and its parent lingers for a while with the same command line).
 */
async function healthyAgain() {
  await bricksOnline();
  for (const n of NODES) {
    await waitUntil(`${n} to see 3 connected peers`, async () => (await cliPool(n)).every((p) => p.connected), 60_000);
    await waitUntil(`the mount on ${n}`, async () => (await nodeMount(n)).statCode === 0);
    await waitUntil(`${n} to run one glusterd, one brick and one self-heal daemon`, async () => {
      const procs = await nodeProcesses(n);
      return [PROC.glusterd, PROC.brick, PROC.shd].every((re) => procs.filter((p) => re.test(p.args)).length === 1);
    });
  }
}

/**
 * Waits until the CLI shows every brick online (nothing is retried: a brick started after its
 * predecessor was reaped comes up). On time-out the error carries what the nodes' glusterd saw.
 */
async function bricksOnline() {
  try {
    return await waitUntil('every brick online', async () => (await cliBricks('compute01')).every((b) => b.online), 60_000);
  } catch (err) {
    const seen = await Promise.all(
      NODES.map((n) => onNode(n, `ps -eo pid,ppid,stat,args | grep -E 'gluster[d ]|glusterfs[d]'; head -c 20 /var/run/gluster/vols/${VOLUME}/*.pid; tail -n 15 /var/log/glusterfs/glusterd.log`)),
    );
    throw new Error(`${String(err)}:\n${seen.map((r, i) => `== ${NODES[i]}\n${r.stdout}${r.stderr}`).join('\n')}`);
  }
}

/** ferry's Bricks table as [brick, online, pid, port], for comparison with the CLI's. */
function ferryBricks(rows: string[][]) {
  return rows.map((r) => ({ name: r[0], online: r[2] === 'Y', pid: r[3], port: r[4] }));
}

describe('/gluster status on real GlusterFS 10.3', () => {
  test('a healthy cluster is OK, and its bricks, peers and mounts are what the CLI and the nodes say', async () => {
    const a = await status();
    const truth = await cliBricks('compute01');
    expect(ferryBricks(a.table('Bricks'))).toEqual(truth);
    expect(a.table('Peers').map((r) => [r[0], r[2]])).toEqual(NODES.map((n) => [`${n}.stack`, 'yes']));
    for (const n of NODES) {
      const m = await nodeMount(n);
      const row = a.table('Nodes').find((r) => r[0] === n)!;
      expect([row[3], row[4], row[5]].join(' ')).toBe(`${m.findmnt.split(/\s+/).join(' ')} ${m.stat}`);
    }
    // Pending gluster-truth: the runbook mounts `localhost:/vm-instances`, which ferry must accept as the volume.
    expect(a.fails).toEqual([]);
    expect(a.report.verdict).toBe('OK');
  });

  test('nothing routes off the machine: each node has only its link to the bridge, and its sshd listens on its own address only', async () => {
    for (const [i, n] of NODES.entries()) {
      const addr = `10.66.77.1${i + 1}`;
      expect((await onNode(n, 'ip -4 route')).stdout.trim()).toBe(`10.66.77.0/24 dev eth0 proto kernel scope link src ${addr}`);
      const sshd = (await onNode(n, 'ss -ltnpH')).stdout.split('\n').filter((l) => l.includes('"sshd"'));
      expect(sshd.map((l) => l.split(/\s+/)[3])).toEqual([`${addr}:22`]);
    }
  });

  test('everything the bed started runs inside its node\'s network namespace; none of it listens in this machine\'s', async () => {
    const nodeNet = (n: NodeName) => `net:[${statSync(`/run/netns/frg-${n}`).ino}]`;
    const netOf = (pid: number) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        return 'exited';
      }
    };
    const procs = await bedProcesses();
    expect(procs.length).toBeGreaterThanOrEqual(NODES.length * 5); // glusterd, brick, shd, fuse, sshd each
    const outside = procs.filter((p) => ![nodeNet(p.node), 'exited'].includes(netOf(p.pid)));
    expect(outside).toEqual([]);
    const rootListeners = [...execFileSync('ss', ['-ltunpH'], { encoding: 'utf8' }).matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    expect(rootListeners.filter((pid) => procs.some((p) => p.pid === pid))).toEqual([]);
    for (const [i, n] of NODES.entries()) {
      // A node's sockets are reachable only through its veth on the bridge's private /24.
      expect((await onNode(n, 'ip -o link show')).stdout.split('\n').filter(Boolean).map((l) => l.split(/:\s+/)[1]!.split('@')[0])).toEqual(['lo', 'eth0']);
      const local = (await onNode(n, 'ss -ltunH')).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[4]!.replace(/:\d+$/, ''));
      expect(local.filter((a) => ![`10.66.77.1${i + 1}`, '0.0.0.0', '*', '[::]', '127.0.0.1'].includes(a))).toEqual([]);
    }
  });

  test('a brick process killed: FAIL naming that brick, Online column as the CLI says', async () => {
    const [pid] = await pidsOf('compute02', PROC.brick);
    kill([pid!]);
    undo.push(() => startForce([pid!]));
    await waitUntil('the CLI to show the brick offline', async () => !(await cliBricks('compute01')).find((b) => b.name === brick('compute02'))!.online);
    const a = await status();
    expect(ferryBricks(a.table('Bricks'))).toEqual(await cliBricks('compute01'));
    expect(a.report.verdict).toBe('FAIL');
    expect(a.fails).toContain(`brick ${brick('compute02')} offline`);
    expect(a.fails).toEqual([`brick ${brick('compute02')} offline`]);
  });

  test('glusterd stopped while its brick runs on: the peer disconnected and its brick missing from volume status', async () => {
    const [glusterd] = await pidsOf('compute03', PROC.glusterd);
    const [brickPid] = await pidsOf('compute03', PROC.brick);
    kill([glusterd!], 'SIGTERM');
    undo.push(() => startGlusterd('compute03', [glusterd!]));
    await waitUntil('compute01 to see compute03 disconnected', async () => (await cliPool('compute01')).some((p) => p.host === 'compute03.stack' && !p.connected));
    const truth = await cliBricks('compute01');
    expect(truth.map((b) => b.name)).not.toContain(brick('compute03'));
    expect(isAlive(brickPid!)).toBe(true);
    const a = await status();
    expect(a.report.verdict).toBe('FAIL');
    expect(a.table('Peers').find((r) => r[0] === 'compute03.stack')?.[2]).toBe('NO');
    expect(a.fails).toContain(`brick ${brick('compute03')} missing from volume status`);
    expect(a.fails.join('\n')).toMatch(/compute03\.stack disconnected/);
    expect(a.fails.join('\n')).toMatch(/compute03: glusterd is not running/);
    expect(ferryBricks(a.table('Bricks'))).toEqual(truth);
  });

  test('every gluster daemon of a node stopped: disconnected, brick gone, its FUSE mount still served by the others', async () => {
    const daemons = [...(await pidsOf('compute03', PROC.glusterd)), ...(await pidsOf('compute03', PROC.brick)), ...(await pidsOf('compute03', PROC.shd))];
    expect(daemons).toHaveLength(3);
    kill(daemons, 'SIGTERM');
    undo.push(() => startGlusterd('compute03', daemons));
    await waitUntil('the daemons to exit', async () => daemons.every((p) => !isAlive(p)));
    await waitUntil('compute01 to see compute03 disconnected', async () => (await cliPool('compute01')).some((p) => p.host === 'compute03.stack' && !p.connected));
    const truth = await cliBricks('compute01');
    const a = await status();
    expect(a.report.verdict).toBe('FAIL');
    expect(ferryBricks(a.table('Bricks'))).toEqual(truth);
    expect(a.fails.join('\n')).toMatch(/compute03\.stack disconnected/);
    expect(a.fails.join('\n')).toMatch(/compute03: glusterd is not running/);
    expect(a.fails).toContain(`brick ${brick('compute03')} missing from volume status`);
    expect(a.table('Nodes').find((r) => r[0] === 'compute03')?.slice(1, 3)).toEqual(['yes', 'yes']);
  });

  test('a node unreachable over SSH: named unreachable, while gluster (and ferry) still see its brick online', async () => {
    const sshd = await pidsOf('compute02', PROC.sshd);
    kill(sshd, 'SIGTERM');
    undo.push(() => onNode('compute02', '/usr/sbin/sshd -f /var/tmp/ferry-real-gluster/compute02/sshd_config -E /var/tmp/ferry-real-gluster/compute02/sshd.log'));
    await waitUntil('sshd to exit', async () => sshd.every((p) => !isAlive(p)));
    const truth = await cliBricks('compute01');
    expect(truth.every((b) => b.online)).toBe(true);
    const a = await status();
    expect(a.report.verdict).toBe('FAIL');
    expect(a.fails.join('\n')).toMatch(/compute02 unreachable/);
    expect(a.table('Nodes').find((r) => r[0] === 'compute02')?.[1]).toMatch(/^NO/);
    expect(ferryBricks(a.table('Bricks'))).toEqual(truth);
    expect(a.fails.filter((f) => !/^compute02 /.test(f))).toEqual([]);
  });

  test('the instances mount unmounted: FAIL on that node only', async () => {
    await onNode('compute01', `umount ${MOUNT}`);
    undo.push(() => remount('compute01'));
    const m = await nodeMount('compute01');
    expect(m.findmntCode).toBe(1);
    const a = await status();
    expect(a.report.verdict).toBe('FAIL');
    expect(a.fails).toContain(`compute01: ${MOUNT} is not mounted`);
    expect(a.table('Nodes').find((r) => r[0] === 'compute01')?.[2]).toBe('NO');
    expect(a.fails).toEqual([`compute01: ${MOUNT} is not mounted`]);
  });

  test('the FUSE client killed: the mount is still listed but dead, and ferry says so (FAIL naming a dead FUSE mount)', async () => {
    const fuse = await pidsOf('compute02', PROC.fuse);
    kill(fuse);
    undo.push(() => remount('compute02'));
    await waitUntil('the FUSE client to exit', async () => fuse.every((p) => !isAlive(p)));
    // The kernel answers stat from its attribute cache until that expires.
    const m = await waitUntil('the node to see its mount dead', async () => {
      const now = await nodeMount('compute02');
      return /Transport endpoint is not connected/.test(now.stat) && now;
    });
    expect(m.findmnt).toMatch(/^fuse\.glusterfs/);
    expect(m.stat).toMatch(/Transport endpoint is not connected/);
    const a = await status();
    // Pending gluster-truth: a dead FUSE mount is a FAIL naming it (today: a WARN "cannot read the instances mount").
    expect(a.report.verdict).toBe('FAIL');
    expect(a.fails.join('\n')).toMatch(/compute02.*FUSE/i);
  });

  test('the volume stopped: FAIL saying the volume is not started, as the CLI says', async () => {
    const stop = await onNode('compute01', `gluster --mode=script volume stop ${VOLUME}`);
    expect(stop.code).toBe(0);
    undo.push(() => onNode('compute01', `gluster volume start ${VOLUME}`));
    expect(await cliVolumeState('compute01')).toBe('Stopped');
    const a = await status();
    expect(a.report.verdict).toBe('FAIL');
    expect(a.fails.join('\n')).toMatch(new RegExp(`volume ${VOLUME}: .*not started`, 'i'));
    expect(a.table('Bricks')[0]?.[0]).toMatch(/volume status unavailable/);
  });

  test('heal entries pending (heal disabled, a brick restarted, files written): the counts the CLI shows, WARN', async () => {
    await onNode('compute01', `gluster volume heal ${VOLUME} disable`);
    undo.push(async () => {
      await onNode('compute01', `gluster volume heal ${VOLUME} enable && gluster volume heal ${VOLUME}`);
      await waitUntil('heal to finish', async () => (await cliHeal('compute01')).every((b) => b.total === 0), 120_000);
    });
    const [pid] = await pidsOf('compute03', PROC.brick);
    kill([pid!]);
    await waitUntil('the brick offline', async () => !(await cliBricks('compute01')).find((b) => b.name === brick('compute03'))!.online);
    await onNode('compute01', `for i in 1 2 3; do d=${MOUNT}/inst-$i; mkdir -p $d && echo disk > $d/disk && echo xml > $d/libvirt.xml; done`);
    await startForce([pid!]);
    await bricksOnline();
    const before = await cliHeal('compute01');
    expect(before.some((b) => (b.total ?? 0) > 0)).toBe(true);
    const a = await status();
    const after = await cliHeal('compute01');
    expect(after).toEqual(before); // nothing healed meanwhile: the comparison holds
    expect(a.table('Heal').map((r) => [r[0], r[1]])).toEqual(before.map((b) => [b.brick, String(b.total)]));
    for (const b of before.filter((x) => x.total)) expect(a.warns).toContain(`${b.total} entries pending heal on ${b.brick.split(':')[0]}`);
    expect(a.fails).toEqual([]);
    expect(a.report.verdict).toBe('WARN');
  });

  test('two /gluster status at once while `gluster volume status` runs by hand on every node: no false alarm', async () => {
    // glusterd's transaction lock refuses concurrent volume status ("Another transaction is in progress"):
    // two hand-run loops per node, each refusal counted in the node's /run/lock-conflicts.
    const hand = `gluster volume status ${VOLUME} detail >/run/hand.$$ 2>&1; grep -qE 'Another transaction|Locking failed' /run/hand.$$ && echo x >>/run/lock-conflicts`;
    await Promise.all(NODES.map((n) => onNode(n, ': >/run/lock-conflicts; : >/run/lock-stop')));
    const loops = NODES.flatMap((n) => [1, 2].map(() => onNode(n, `while [ -e /run/lock-stop ]; do ${hand}; done`)));
    const stopLoops = () => Promise.all([...NODES.map((n) => onNode(n, 'rm -f /run/lock-stop')), ...loops]);
    undo.push(stopLoops);
    const sum = async (script: string) => (await Promise.all(NODES.map((n) => onNode(n, script)))).reduce((t, r) => t + Number(r.stdout), 0);
    const conflicts = () => sum('wc -l </run/lock-conflicts');
    // ferry's own refused commands, from glusterd's command log: ferry asks `volume status VOL` (the hand-run loops add `detail`).
    const ferryRefusals = () => sum(`grep -cE ': volume status ${VOLUME} : FAILED : (Another transaction|Locking failed)' /var/log/glusterfs/cmd_history.log || true`);
    const ferryBefore = await ferryRefusals();
    const answers = [];
    // Until both the hand-run commands and ferry's own have met the lock (the collision is real), at most 30 rounds: a collision is a matter of timing, and a quiet machine may need more.
    for (let round = 0; round < 30 && (round < 2 || (await conflicts()) === 0 || (await ferryRefusals()) === ferryBefore); round++) {
      answers.push(...(await Promise.all([status(), status()])));
    }
    const seen = await conflicts();
    const ferrySeen = (await ferryRefusals()) - ferryBefore;
    console.log(`lock test: ${answers.length} /gluster status answers; glusterd refused the hand-run commands ${seen} times and ferry's own ${ferrySeen} times`);
    await stopLoops();
    expect(seen).toBeGreaterThan(0);
    expect(ferrySeen).toBeGreaterThan(0);
    for (const x of answers) {
      // Pending gluster-truth: a lock conflict is retried, and is "unknown" (not a FAIL) if it persists.
      expect(x.fails.join('\n')).not.toMatch(/offline|disconnected|not running|missing/);
      expect(x.fails).toEqual([]);
      expect(['OK', 'WARN']).toContain(x.report.verdict);
    }
  }, 300_000);

  test('down stops every process of the bed by PID and leaves no mount, loop device, link or namespace behind', async () => {
    const pids = (await Promise.all(NODES.map(nodeProcesses))).flat().map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(NODES.length * 5); // glusterd, brick, shd, fuse, sshd each (and sshd sessions)
    torn = true;
    const down = await bed.stop();
    expect(down.stdout).toBe('');
    expect(down.code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    const left = await bedSh(['leftovers']);
    expect(left.stdout).toBe('');
    expect(left.code).toBe(0);
  });
});
