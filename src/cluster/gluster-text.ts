/**
 * Parsers for the plain-text output of gluster's read commands, the fallback when
 * `--xml` is unavailable or unparsable. Written against the GlusterFS 10.3 captures
 * in shared/fixtures/gluster. `volume status` and the mount helpers (findmnt, stat)
 * are in gluster-text-status.ts.
 */
import type { GlusterOpResult, GlusterVersion, HealEntry, HealFile, Peer, VolumeInfo, VolumeInfoBrick } from './gluster-types.js';
import { unparsable } from './gluster-errors.js';

/** `gluster --version` / `glusterfs --version`: the first line is `glusterfs 10.3` (older: `glusterfs 3.4.2 built on ...`). */
export function parseVersion(stdout: string): GlusterVersion {
  const m = stdout.match(/^glusterfs (\d+)\.(\d+)(?:\.(\d+))?/m);
  if (!m) throw unparsable('glusterfs --version', JSON.stringify(firstLine(stdout)));
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return { text: m[3] === undefined ? `${major}.${minor}` : `${major}.${minor}.${patch}`, major, minor, patch };
}

/** Compares two versions (`GlusterVersion` or text like `3.3`): negative, 0 or positive. */
export function compareVersions(a: GlusterVersion | string, b: GlusterVersion | string): number {
  const va = typeof a === 'string' ? versionFromText(a) : a;
  const vb = typeof b === 'string' ? versionFromText(b) : b;
  return va.major - vb.major || va.minor - vb.minor || va.patch - vb.patch;
}

function versionFromText(text: string): GlusterVersion {
  return parseVersion(`glusterfs ${text.trim()}`);
}

/**
 * `gluster peer status`: blocks of `Hostname:`, `Uuid:`, `State: Peer in Cluster (Connected)`
 * and, when glusterd knows several names, `Other names:` followed by one name a line.
 * The node the command ran on is not listed.
 */
export function parsePeerStatusText(stdout: string): Peer[] {
  const peers: Peer[] = [];
  let current: Peer | null = null;
  let inOtherNames = false;
  for (const raw of lines(stdout)) {
    const line = raw.trim();
    if (line === '') {
      inOtherNames = false;
      continue;
    }
    const kv = line.match(/^(Hostname|Uuid|State|Other names|Number of Peers):\s*(.*)$/);
    if (!kv) {
      if (inOtherNames && current) current.otherNames.push(line);
      else throw unparsable('gluster peer status', `unexpected line ${JSON.stringify(line)}`);
      continue;
    }
    const [, key, value = ''] = kv;
    inOtherNames = key === 'Other names';
    if (key === 'Hostname') {
      current = { hostname: value, uuid: '', state: null, connected: false, self: false, otherNames: [] };
      peers.push(current);
    } else if (current && key === 'Uuid') {
      current.uuid = value;
    } else if (current && key === 'State') {
      // `Peer in Cluster (Connected)`; the part in parentheses is the link, not the state.
      const m = value.match(/^(.*?)\s*\((Connected|Disconnected)\)$/);
      current.state = m ? m[1]! : value;
      current.connected = m?.[2] === 'Connected';
    }
  }
  for (const p of peers) if (!p.uuid) throw unparsable('gluster peer status', `no Uuid for ${p.hostname}`);
  return peers;
}

/**
 * `gluster pool list`: a tab-separated table (header `UUID\tHostname\tState`,
 * cells padded with spaces) that includes the local node as `localhost`.
 */
export function parsePoolListText(stdout: string): Peer[] {
  const rows = lines(stdout).filter((l) => l.trim() !== '');
  if (rows.length === 0 || !/^UUID\s/.test(rows[0]!)) throw unparsable('gluster pool list', 'no UUID header');
  return rows.slice(1).map((row) => {
    const cells = row.split('\t').map((c) => c.trim());
    if (cells.length < 3) throw unparsable('gluster pool list', `row ${JSON.stringify(row)}`);
    const [uuid, hostname, state] = cells as [string, string, string];
    return { hostname, uuid, state: null, connected: state === 'Connected', self: hostname === 'localhost', otherNames: [] };
  });
}

/** `gluster volume list`: one name a line; `No volumes present in cluster` when there are none. */
export function parseVolumeListText(stdout: string): string[] {
  const names = lines(stdout).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length === 1 && /^No volumes present/.test(names[0]!)) return [];
  return names;
}

/**
 * `gluster volume info [VOL]`: `Key: value` lines per volume, a `Bricks:` list of
 * `BrickN: host:/path [(arbiter)]` and an optional `Options Reconfigured:` list.
 * The output starts with a line holding a single space (a gluster quirk).
 */
export function parseVolumeInfoText(stdout: string): VolumeInfo[] {
  const vols: VolumeInfo[] = [];
  let v: VolumeInfo | null = null;
  let section: 'head' | 'options' = 'head';
  for (const raw of lines(stdout)) {
    const line = raw.trim();
    if (line === '') continue;
    const kv = line.match(/^([^:]+):\s?(.*)$/);
    if (!kv) throw unparsable('gluster volume info', `unexpected line ${JSON.stringify(line)}`);
    const [, key = '', value = ''] = kv;
    if (key === 'Volume Name') {
      v = emptyVolume(value);
      vols.push(v);
      section = 'head';
      continue;
    }
    if (!v) throw unparsable('gluster volume info', 'no `Volume Name:` line');
    if (section === 'options') {
      v.options[key] = value;
      continue;
    }
    if (/^Brick\d+$/.test(key)) {
      v.bricks.push(infoBrick(value));
      continue;
    }
    switch (key) {
      case 'Type': v.type = value; break;
      case 'Volume ID': v.id = value; break;
      case 'Status': v.status = value; v.started = value === 'Started'; break;
      case 'Snapshot Count': v.snapshotCount = Number(value); break;
      case 'Transport-type': v.transport = value; break;
      case 'Number of Bricks': applyBrickCounts(v, value); break;
      case 'Options Reconfigured': section = 'options'; break;
      default: break; // Bricks:, tier and other headings we do not model
    }
  }
  for (const vol of vols) if (vol.brickCount === 0) vol.brickCount = vol.bricks.length;
  return vols;
}

function emptyVolume(name: string): VolumeInfo {
  return {
    name, id: '', type: '', status: '', started: false, snapshotCount: null, brickCount: 0, distCount: null,
    replicaCount: null, arbiterCount: 0, disperseCount: 0, redundancyCount: 0, transport: '', bricks: [], options: {},
  };
}

function infoBrick(value: string): VolumeInfoBrick {
  const arbiter = /\s\(arbiter\)$/.test(value);
  const name = value.replace(/\s\(arbiter\)$/, '');
  return { ...splitBrickName(name), arbiter, hostUuid: null };
}

/**
 * `Number of Bricks:` forms: `3` (distribute), `1 x 3 = 3` (replicate),
 * `2 x (2 + 1) = 6` (arbiter), `1 x (4 + 2) = 6` (disperse).
 */
function applyBrickCounts(v: VolumeInfo, value: string): void {
  let m = value.match(/^(\d+) x (\d+) = (\d+)$/);
  if (m) {
    [v.distCount, v.replicaCount, v.brickCount] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return;
  }
  m = value.match(/^(\d+) x \((\d+) \+ (\d+)\) = (\d+)$/);
  if (m) {
    const [dist, a, b, total] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    [v.distCount, v.brickCount] = [dist, total];
    // The parenthesised form means data+arbiter for replicate types and data+redundancy for disperse.
    if (/Disperse/i.test(v.type)) [v.disperseCount, v.redundancyCount] = [a + b, b];
    else [v.replicaCount, v.arbiterCount] = [a + b, b];
    return;
  }
  if (/^\d+$/.test(value)) v.brickCount = Number(value);
}

/**
 * `gluster volume heal VOL info | info summary | info split-brain`. Each brick block
 * starts with `Brick host:/path`, lists entries (info), then `Status:` and counters.
 * Entries flagged in split-brain or possibly healing are followed by an empty line
 * inside the block (glfs-heal prints the flag with its own newline), so blocks are
 * not split on blank lines. A brick that could not be asked shows `-` counters
 * (brick-down/heal-info*.stdout.txt).
 */
export function parseHealText(stdout: string): HealEntry[] {
  const entries: HealEntry[] = [];
  let e: HealEntry | null = null;
  for (const raw of lines(stdout)) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    const brick = line.match(/^Brick (.+)$/);
    if (brick) {
      // glfs-heal prints `Brick - Not able to get brick information` when it cannot name the brick.
      const { name, host, path } = brick[1]!.includes(':/') ? splitBrickName(brick[1]!) : { name: brick[1]!, host: '-', path: '' };
      e = { brick: name, host, path, status: '', connected: false, pending: null, splitBrain: null, possiblyHealing: null, files: [] };
      entries.push(e);
      continue;
    }
    if (!e) throw unparsable('gluster volume heal info', `unexpected line ${JSON.stringify(line)}`);
    const kv = line.match(/^(Status|Total Number of entries|Number of entries(?: in heal pending| in split-brain| possibly healing)?):\s*(.*)$/);
    if (!kv) {
      e.files.push(healFile(line));
      continue;
    }
    const [, key, value = ''] = kv;
    const n = value === '-' ? null : Number(value);
    if (key === 'Status') {
      e.status = value;
      e.connected = value === 'Connected';
    } else if (key === 'Number of entries' || key === 'Total Number of entries') e.pending = n;
    else if (key === 'Number of entries in split-brain') e.splitBrain = n;
    else if (key === 'Number of entries possibly healing') e.possiblyHealing = n;
  }
  for (const entry of entries) {
    // `info` lists the entries and flags split-brain ones; count the flags.
    if (entry.splitBrain === null && entry.connected && entry.pending !== null) {
      entry.splitBrain = entry.files.filter((f) => f.splitBrain).length;
    }
  }
  return entries;
}

function healFile(line: string): HealFile {
  const m = line.match(/^(.*?)(?: - (Is in split-brain|Possibly undergoing heal))?$/);
  return { path: m?.[1] ?? line, gfid: null, splitBrain: m?.[2] === 'Is in split-brain', possiblyHealing: m?.[2] === 'Possibly undergoing heal' };
}

/**
 * One-line answers of mutating commands: `peer probe: success`,
 * `volume start: vm-instances: failed: Volume vm-instances already started`,
 * `peer probe: Host compute02.stack port 24007 already in peer list` (exit 0, a success).
 */
export function parseOpResult(text: string): GlusterOpResult {
  const line = firstLine(text);
  const m = line.match(/^((?:peer|volume) [a-z-]+): (.*)$/);
  if (!m) throw unparsable('gluster answer', JSON.stringify(line));
  const op = m[1]!;
  let rest = m[2]!;
  let volume: string | null = null;
  const vol = op.startsWith('volume ') ? rest.match(/^([A-Za-z0-9_-]+): (.*)$/) : null;
  if (vol) [volume, rest] = [vol[1]!, vol[2]!];
  const outcome = rest.match(/^(success|failed)(?::\s?(.*))?$/);
  if (outcome) return { op, volume, ok: outcome[1] === 'success', message: outcome[2] ?? '' };
  return { op, volume, ok: true, message: rest };
}

/** `compute01.stack:/gluster/instances` → host and path (split at the first `:/`). */
export function splitBrickName(name: string): { name: string; host: string; path: string } {
  const i = name.indexOf(':/');
  if (i < 0) throw unparsable('brick name', JSON.stringify(name));
  return { name, host: name.slice(0, i), path: name.slice(i + 1) };
}

/** Lines without `\r`. */
export function lines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}

function firstLine(text: string): string {
  return lines(text).find((l) => l.trim() !== '')?.trim() ?? '';
}
