/**
 * GlusterOps: the gluster read operations ferry runs over SSH on a compute node.
 * Each asks for `--xml` first and falls back to the plain text when the node's
 * gluster cannot give XML for that command (or gives something unparsable).
 */
import type { Config } from '../config.js';
import { ClusterError, NotFoundError, UsageError } from '../errors.js';
import type { ExecResult, Ssh } from '../ssh/types.js';
import { fail, readText, readXml, withHost } from './gluster-answer.js';
import { isBusy } from './gluster-errors.js';
import { parseFindmnt, parseStat, parseVolumeStatusText } from './gluster-text-status.js';
import { parseHealText, parsePeerStatusText, parsePoolListText, parseVersion, parseVolumeInfoText, parseVolumeListText } from './gluster-text.js';
import type { GlusterVersion, HealEntry, MountStatus, Peer, VolumeInfo, VolumeStatus } from './gluster-types.js';
import { parseHealXml, parsePeersXml, parseVolumeInfoXml, parseVolumeListXml, parseVolumeStatusXml } from './gluster-xml.js';

/** gluster's own rule for volume names (and ferry.yml's `gluster.volume`). */
export { VOLUME_NAME } from '../arg-schemas.js';
import { VOLUME_NAME } from '../arg-schemas.js';

/** Throws a UsageError naming the argument unless `name` is a valid gluster volume name. */
export function assertVolumeName(name: string, arg = 'volume'): void {
  if (!VOLUME_NAME.test(name)) {
    throw new UsageError(`${arg}: ${JSON.stringify(name)} is not a gluster volume name (letters, digits, '-' and '_', at most 64)`);
  }
}

/**
 * How GlusterOps waits out glusterd's transaction lock. Every `volume status`
 * takes a cluster-wide lock on the volume; run from several nodes at once, some
 * answer `Another transaction is in progress` / `Locking failed on NODE` (11 of
 * 36 in real/gluster-10.3/concurrent). That says nothing about the volume.
 */
export interface BusyRetry {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each further one, then jittered by ±50%. */
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter, so that nodes asking at once do not collide again in step. */
  random: () => number;
}

/** 4 tries, about 0.25 + 0.5 + 1 s of waiting. */
export const DEFAULT_BUSY_RETRY: BusyRetry = {
  attempts: 4,
  baseDelayMs: 250,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Every command here only reads: the same one asked at once by several requests may share a run (ExecOptions.shared). */
const READ = { shared: true } as const;

/** Typed gluster reads on one node at a time; `node` is a ferry.yml node name (the SSH host). */
export class GlusterOps {
  constructor(
    private readonly ssh: Ssh,
    private readonly config: Config,
    private readonly busy: BusyRetry = DEFAULT_BUSY_RETRY,
  ) {}

  /** The GlusterFS version on `node`; tries `gluster --version`, then `glusterfs --version` (client-only nodes). */
  async version(node: string): Promise<GlusterVersion> {
    let r = await this.ssh.exec(node, ['gluster', '--version'], READ);
    if (r.exitCode !== 0) r = await this.ssh.exec(node, ['glusterfs', '--version'], READ);
    return readText(r, parseVersion);
  }

  /** The other members of the trusted pool as `node` sees them (`peer status`; the node itself is not listed). */
  peers(node: string): Promise<Peer[]> {
    return this.query(node, ['peer', 'status'], parsePeersXml, parsePeerStatusText);
  }

  /** Every member of the pool, `node` itself included as `localhost` (`pool list`). */
  pool(node: string): Promise<Peer[]> {
    return this.query(node, ['pool', 'list'], parsePeersXml, parsePoolListText);
  }

  /** Names of all volumes. */
  volumes(node: string): Promise<string[]> {
    return this.query(node, ['volume', 'list'], parseVolumeListXml, parseVolumeListText);
  }

  /** `volume info VOL`; NotFoundError when the volume does not exist. */
  async volumeInfo(node: string, vol: string): Promise<VolumeInfo> {
    assertVolumeName(vol);
    const all = await this.query(node, ['volume', 'info', vol], parseVolumeInfoXml, parseVolumeInfoText);
    return pick(all, (v) => v.name === vol, vol);
  }

  /**
   * `volume status VOL [detail]`: bricks (online, pid, port) and daemons; with detail,
   * each brick's filesystem figures. A stopped volume is a ClusterError `volume-not-started`.
   */
  async volumeStatus(node: string, vol: string, opts: { detail?: boolean } = {}): Promise<VolumeStatus> {
    assertVolumeName(vol);
    const args = ['volume', 'status', vol, ...(opts.detail ? ['detail'] : [])];
    const all = await this.query(node, args, parseVolumeStatusXml, parseVolumeStatusText);
    return pick(all, (v) => v.volume === vol, vol);
  }

  /** `volume heal VOL info`: per brick, whether it answered and the entries waiting for heal. */
  heal(node: string, vol: string): Promise<HealEntry[]> {
    assertVolumeName(vol);
    return this.query(node, ['volume', 'heal', vol, 'info'], parseHealXml, parseHealText);
  }

  /** `volume heal VOL info summary`: per brick, counts only (pending, split-brain, possibly healing). */
  healSummary(node: string, vol: string): Promise<HealEntry[]> {
    assertVolumeName(vol);
    return this.query(node, ['volume', 'heal', vol, 'info', 'summary'], parseHealXml, parseHealText);
  }

  /** Whether config.gluster.mountPoint is mounted on `node` (findmnt), and its owner and mode (stat). */
  async mount(node: string): Promise<MountStatus> {
    const target = this.config.gluster.mountPoint;
    // Both at once: on a node that hangs, one SSH timeout, not two.
    const [fm, st] = await Promise.all([
      this.ssh.exec(node, ['findmnt', '-n', '-o', 'FSTYPE,SOURCE,TARGET', target], READ),
      this.ssh.exec(node, ['stat', '-c', '%U:%G %a', target], READ),
    ]);
    // findmnt exits 1 with no output when nothing is mounted there.
    if (fm.exitCode !== 0 && !(fm.exitCode === 1 && fm.stdout.trim() === '')) fail(fm);
    const mounted = withHost(node, () => parseFindmnt(fm.stdout, target));
    if (st.exitCode !== 0) {
      if (/No such file or directory/.test(st.stderr)) return { ...mounted, exists: false, owner: null, group: null, mode: null };
      // A killed glusterfs client leaves its mount listed; every stat then fails ENOTCONN.
      if (mounted.mounted && /Transport endpoint is not connected/.test(st.stderr)) {
        return { ...mounted, exists: true, notConnected: true, owner: null, group: null, mode: null };
      }
      fail(st);
    }
    return { ...mounted, exists: true, ...withHost(node, () => parseStat(st.stdout)) };
  }

  /**
   * queryOnce, tried again with a jittered backoff while glusterd's transaction
   * lock is busy. When it stays busy: a `busy` ClusterError saying the state is
   * unknown, which callers must not read as a verdict on the volume.
   */
  private async query<T>(
    node: string,
    args: string[],
    fromXml: (xml: string, host?: string) => T,
    fromText: (stdout: string) => T,
  ): Promise<T> {
    const { attempts, baseDelayMs, sleep, random } = this.busy;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.queryOnce(node, args, fromXml, fromText);
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (attempt >= attempts) {
          throw new ClusterError(
            `state unknown: glusterd's transaction lock was busy on ${attempts} tries of gluster ${args.join(' ')} (${err.message.trim()})`,
            'busy',
            node,
          );
        }
        await sleep(Math.round(baseDelayMs * 2 ** (attempt - 1) * (0.5 + random())));
      }
    }
  }

  /**
   * Runs `gluster --xml ARGS`; if that yields no parsable cliOutput document, runs
   * `gluster ARGS` and parses the text. Known gluster errors (missing volume,
   * stopped volume, glusterd down, ...) are thrown typed from either form.
   */
  private async queryOnce<T>(
    node: string,
    args: string[],
    fromXml: (xml: string, host?: string) => T,
    fromText: (stdout: string) => T,
  ): Promise<T> {
    const x = readXml(await this.ssh.exec(node, ['gluster', '--xml', ...args], READ), fromXml);
    if (x !== undefined) return x;
    return readText(await this.ssh.exec(node, ['gluster', ...args], READ), fromText);
  }
}

function pick<T>(items: T[], match: (t: T) => boolean, vol: string): T {
  const found = items.find(match);
  if (!found) throw new NotFoundError(`gluster volume ${vol} does not exist`);
  return found;
}
