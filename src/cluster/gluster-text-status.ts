/**
 * Plain-text parsers for `gluster volume status [VOL] [detail]` and for the two
 * commands that inspect the instances mount (findmnt, stat).
 */
import type { Brick, BrickDetail, DaemonStatus, MountStatus, VolumeStatus } from './gluster-types.js';
import { unparsable } from './gluster-errors.js';
import { lines, splitBrickName } from './gluster-text.js';

/**
 * `gluster volume status [VOL]` or `gluster volume status VOL detail`; one entry per
 * `Status of volume:` section. A stopped volume has no section (the CLI says
 * `Volume X is not started` on stderr, see volume-stopped/volume-status-all.*).
 */
export function parseVolumeStatusText(stdout: string): VolumeStatus[] {
  const sections: { volume: string; body: string[] }[] = [];
  for (const line of lines(stdout)) {
    const head = line.match(/^Status of volume: (\S+)\s*$/);
    if (head) sections.push({ volume: head[1]!, body: [] });
    else sections.at(-1)?.body.push(line);
  }
  return sections.map(({ volume, body }) =>
    body.some((l) => /^Brick\s+: /.test(l)) ? parseDetail(volume, body) : parseTable(volume, body),
  );
}

const DASHES = /^-{10,}\s*$/;

/**
 * The status table. Columns are fixed-width and the process name column is 43
 * characters wide: a longer name is cut into 43-character pieces, each on its own
 * line, and the figures follow the last piece. We join the pieces back.
 * Before 3.7 there was a single `Port` column instead of TCP and RDMA.
 */
function parseTable(volume: string, body: string[]): VolumeStatus {
  const bricks: Brick[] = [];
  const daemons: DaemonStatus[] = [];
  const header = body.find((l) => l.startsWith('Gluster process'));
  if (header === undefined) throw unparsable('gluster volume status', `no table for ${volume}`);
  const withRdma = /RDMA Port/.test(header);
  const row = withRdma
    ? /^(.*?)\s+(\S+)\s+(\S+)\s+([YN])\s+(\S+)\s*$/
    : /^(.*?)\s+(\S+)\s+()([YN])\s+(\S+)\s*$/;
  let pending = '';
  for (const line of body.slice(body.indexOf(header) + 1)) {
    if (DASHES.test(line)) continue;
    if (line.trim() === '') {
      if (pending) throw unparsable('gluster volume status', `dangling ${JSON.stringify(pending)}`);
      continue;
    }
    if (/^Task Status of Volume/.test(line)) break;
    const m = line.match(row);
    if (!m) {
      pending += line;
      continue;
    }
    const name = pending + m[1]!;
    pending = '';
    const [port, rdma, online, pid] = [num(m[2]!), num(m[3]!), m[4] === 'Y', num(m[5]!)];
    if (name.startsWith('Brick ')) {
      bricks.push({ ...splitBrickName(name.slice('Brick '.length)), online, pid, port, rdmaPort: rdma || null, peerId: null });
    } else {
      const d = name.match(/^(.+?) on (\S+)$/);
      if (!d) throw unparsable('gluster volume status', `process ${JSON.stringify(name)}`);
      daemons.push({ name: d[1]!, host: d[2]!, online, pid, port, peerId: null });
    }
  }
  return { volume, bricks, daemons };
}

/** `detail`: blocks of `Key   : value` lines separated by dashes, one per brick. */
function parseDetail(volume: string, body: string[]): VolumeStatus {
  const blocks: Map<string, string>[] = [];
  for (const line of body) {
    if (DASHES.test(line) || line.trim() === '') continue;
    const kv = line.match(/^(.+?)\s+: (.*)$/);
    if (!kv) throw unparsable('gluster volume status detail', `unexpected line ${JSON.stringify(line)}`);
    const [key, value] = [kv[1]!.trim(), kv[2]!.trim()];
    if (key === 'Brick') blocks.push(new Map());
    blocks.at(-1)?.set(key, value);
  }
  const bricks = blocks.map((b): Brick => {
    const get = (k: string) => b.get(k) ?? null;
    const brickName = (get('Brick') ?? '').replace(/^Brick /, '');
    const detail: BrickDetail = {
      fsType: na(get('File System')),
      device: na(get('Device')),
      mountOptions: na(get('Mount Options')),
      inodeSize: na(get('Inode Size')),
      sizeTotalBytes: humanBytes(get('Total Disk Space')),
      sizeFreeBytes: humanBytes(get('Disk Space Free')),
      inodesTotal: num(get('Inode Count') ?? 'N/A'),
      inodesFree: num(get('Free Inodes') ?? 'N/A'),
    };
    return {
      ...splitBrickName(brickName),
      online: get('Online') === 'Y',
      pid: num(get('Pid') ?? 'N/A'),
      port: num(get('TCP Port') ?? get('Port') ?? 'N/A'),
      rdmaPort: num(get('RDMA Port') ?? 'N/A') || null,
      peerId: null,
      detail,
    };
  });
  return { volume, bricks, daemons: [] };
}

/** `N/A` (and gluster's `-1` pid of a dead brick) → null. */
function num(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return n < 0 ? null : n;
}

function na(text: string | null): string | null {
  return text === null || text === 'N/A' || text === '' ? null : text;
}

/** gluster prints sizes with one decimal and binary units: `230.3GB` (1024-based). */
function humanBytes(text: string | null): number | null {
  const m = text?.match(/^(\d+(?:\.\d+)?)\s*(Bytes|B|KB|MB|GB|TB|PB)$/);
  if (!m) return null;
  const power = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'].indexOf(m[2] === 'Bytes' ? 'B' : m[2]!);
  return Math.round(Number(m[1]) * 1024 ** power);
}

/**
 * `findmnt -n -o FSTYPE,SOURCE,TARGET MOUNTPOINT`: one line per mount stacked on the
 * target (the last is the visible one); no output and exit 1 when nothing is mounted
 * (mount/findmnt-before-mount-*). findmnt escapes spaces in paths as `\x20`.
 */
export function parseFindmnt(stdout: string, target: string): Pick<MountStatus, 'target' | 'mounted' | 'fstype' | 'source'> {
  const rows = lines(stdout).filter((l) => l.trim() !== '');
  const last = rows.at(-1);
  if (last === undefined) return { target, mounted: false, fstype: null, source: null };
  const cells = last.trim().split(/\s+/).map(unescapeFindmnt);
  if (cells.length !== 3) throw unparsable('findmnt', JSON.stringify(last));
  return { target, mounted: true, fstype: cells[0]!, source: cells[1]! };
}

function unescapeFindmnt(cell: string): string {
  return cell.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `stat -c '%U:%G %a' PATH` → `nova:nova 755` (`UNKNOWN` for ids without a name). */
export function parseStat(stdout: string): Pick<MountStatus, 'owner' | 'group' | 'mode'> {
  const m = stdout.trim().match(/^([^:\s]+):(\S+) ([0-7]{3,4})$/);
  if (!m) throw unparsable('stat', JSON.stringify(stdout.trim()));
  return { owner: m[1]!, group: m[2]!, mode: m[3]! };
}
