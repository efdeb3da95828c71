/**
 * What gluster 10.3's read commands print, plain and `--xml`, as seen from
 * one node: peer status, pool list, volume list/info/status and heal info.
 * Layouts follow shared/fixtures/gluster; the printf widths are the CLI's own
 * (cli-rpc-ops.c: a 43-column brick field, `%-10s%-11s%-8s%-5s`, `%-20s : %-20s`).
 */
import { brickOnline, nodeOf, type LabNode, type LabState, type Volume } from './state.js';

export const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cliOutput>\n';
export const XML_OK = '  <opRet>0</opRet>\n  <opErrno>0</opErrno>\n  <opErrstr/>\n';
const DASHES = '-'.repeat(78);

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function el(depth: number, tag: string, value: string | number): string {
  return `${'  '.repeat(depth)}<${tag}>${esc(String(value))}</${tag}>\n`;
}

/** The other members of the node's trusted pool, in the cluster's node order. */
export function peersOf(state: LabState, node: LabNode): LabNode[] {
  return [...state.nodes.values()].filter((n) => n !== node && n.glusterInstalled && n.poolId === node.poolId);
}

/** Volumes this node's glusterd knows: those of its pool. */
export function volumesOf(state: LabState, node: LabNode): Volume[] {
  // glusterd keeps its volumes ordered by name (two-volumes: scratch-volume before vm-instances).
  return [...state.volumes.values()].filter((v) => v.poolId === node.poolId).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function peerStatus(state: LabState, node: LabNode, xml: boolean): string {
  const peers = peersOf(state, node);
  if (xml) return XML_HEAD + XML_OK + peerXml(peers, null) + '</cliOutput>\n';
  const blocks = peers.map((p) => `\nHostname: ${p.fqdn}\nUuid: ${p.glusterUuid}\nState: Peer in Cluster (${p.glusterdUp ? 'Connected' : 'Disconnected'})`);
  return [`Number of Peers: ${peers.length}`, ...blocks].join('\n') + '\n';
}

export function poolList(state: LabState, node: LabNode, xml: boolean): string {
  const peers = peersOf(state, node);
  if (xml) return XML_HEAD + XML_OK + peerXml(peers, node) + '</cliOutput>\n';
  const all = [...peers.map((p) => ({ uuid: p.glusterUuid, host: p.fqdn, up: p.glusterdUp })), { uuid: node.glusterUuid, host: 'localhost', up: true }];
  const width = Math.max(8, ...all.map((e) => e.host.length));
  const rows = all.map((e) => `${e.uuid}\t${e.host.padEnd(width)}\t${e.up ? 'Connected' : 'Disconnected'} `);
  return [`UUID\t\t\t\t\t${'Hostname'.padEnd(width)}\tState`, ...rows].join('\n') + '\n';
}

function peerXml(peers: LabNode[], self: LabNode | null): string {
  if (peers.length === 0 && !self) return '  <peerStatus/>\n';
  let out = '  <peerStatus>\n';
  for (const p of peers) {
    out += '    <peer>\n' + el(3, 'uuid', p.glusterUuid) + el(3, 'hostname', p.fqdn);
    out += '      <hostnames>\n' + el(4, 'hostname', p.fqdn) + '      </hostnames>\n';
    out += el(3, 'connected', p.glusterdUp ? 1 : 0) + el(3, 'state', 3) + el(3, 'stateStr', 'Peer in Cluster') + '    </peer>\n';
  }
  if (self) out += '    <peer>\n' + el(3, 'uuid', self.glusterUuid) + el(3, 'hostname', 'localhost') + el(3, 'connected', 1) + '    </peer>\n';
  return out + '  </peerStatus>\n';
}

export function volumeList(vols: Volume[], xml: boolean): { stdout: string; stderr: string } {
  if (xml) {
    const body = vols.map((v) => el(2, 'volume', v.name)).join('');
    return { stdout: XML_HEAD + XML_OK + '  <volList>\n' + el(2, 'count', vols.length) + body + '  </volList>\n</cliOutput>\n', stderr: '' };
  }
  if (vols.length === 0) return { stdout: '', stderr: 'No volumes present in cluster\n' };
  return { stdout: vols.map((v) => v.name + '\n').join(''), stderr: '' };
}

const STATUS_CODE = { Created: 0, Started: 1, Stopped: 2 } as const;

function volumeType(v: Volume): { type: number; typeStr: string; dist: number } {
  const dist = v.bricks.length / v.replica;
  if (v.replica === 1) return { type: 0, typeStr: 'Distribute', dist };
  return dist > 1 ? { type: 7, typeStr: 'Distributed-Replicate', dist } : { type: 2, typeStr: 'Replicate', dist };
}

function brickName(state: LabState, b: { node: string; path: string }): string {
  return `${nodeOf(state, b.node).fqdn}:${b.path}`;
}

export function volumeInfo(state: LabState, vols: Volume[], xml: boolean): string {
  if (xml) {
    let out = XML_HEAD + XML_OK + '  <volInfo>\n    <volumes>\n';
    for (const v of vols) {
      const t = volumeType(v);
      out += '      <volume>\n' + el(4, 'name', v.name) + el(4, 'id', v.id) + el(4, 'status', STATUS_CODE[v.status]) + el(4, 'statusStr', v.status);
      out += el(4, 'snapshotCount', 0) + el(4, 'brickCount', v.bricks.length) + el(4, 'distCount', t.dist) + el(4, 'replicaCount', v.replica);
      out += el(4, 'arbiterCount', 0) + el(4, 'disperseCount', 0) + el(4, 'redundancyCount', 0) + el(4, 'type', t.type) + el(4, 'typeStr', t.typeStr);
      out += el(4, 'transport', 0) + '        <bricks>\n';
      for (const b of v.bricks) {
        const name = esc(brickName(state, b));
        const uuid = nodeOf(state, b.node).glusterUuid;
        out += `          <brick uuid="${uuid}">${name}<name>${name}</name><hostUuid>${uuid}</hostUuid><isArbiter>0</isArbiter></brick>\n`;
      }
      out += '        </bricks>\n' + el(4, 'optCount', v.options.length) + '        <options>\n';
      for (const [k, val] of v.options) out += '          <option>\n' + el(6, 'name', k) + el(6, 'value', val) + '          </option>\n';
      out += '        </options>\n      </volume>\n';
    }
    return out + el(3, 'count', vols.length) + '    </volumes>\n  </volInfo>\n</cliOutput>\n';
  }
  if (vols.length === 0) return 'No volumes present\n';
  return vols
    .map((v) => {
      const t = volumeType(v);
      const count = v.replica === 1 ? `${v.bricks.length}` : `${t.dist} x ${v.replica} = ${v.bricks.length}`;
      const ls = [' ', `Volume Name: ${v.name}`, `Type: ${t.typeStr}`, `Volume ID: ${v.id}`, `Status: ${v.status}`, 'Snapshot Count: 0'];
      ls.push(`Number of Bricks: ${count}`, 'Transport-type: tcp', 'Bricks:', ...v.bricks.map((b, i) => `Brick${i + 1}: ${brickName(state, b)}`));
      ls.push('Options Reconfigured:', ...v.options.map(([k, val]) => `${k}: ${val}`));
      return ls.join('\n') + '\n';
    })
    .join('');
}

/** One row of `volume status`: a brick or a self-heal daemon. */
interface StatusRow {
  hostname: string;
  path: string;
  peerid: string;
  online: boolean;
  port: number | null;
  pid: number;
  node: LabNode;
  label: string;
}

/** `volume heal VOL disable` stops the self-heal daemons: their status rows go (heal-pending/volume-status). */
export function shdEnabled(v: Volume): boolean {
  return v.options.find(([k]) => k === 'cluster.self-heal-daemon')?.[1] !== 'disable';
}

/**
 * The rows the local glusterd can collect: bricks and self-heal daemons of
 * nodes whose glusterd answers (a disconnected peer's rows are absent, not N).
 */
export function statusRows(state: LabState, local: LabNode, v: Volume): { bricks: StatusRow[]; shds: StatusRow[] } {
  const bricks: StatusRow[] = [];
  const shdNodes: LabNode[] = [];
  for (const b of v.bricks) {
    const n = nodeOf(state, b.node);
    if (!n.glusterdUp) continue;
    const online = brickOnline(state, v, b.node);
    bricks.push({ hostname: n.fqdn, path: b.path, peerid: n.glusterUuid, online, port: online ? n.brickPort : null, pid: online ? n.brickPid : -1, node: n, label: `Brick ${brickName(state, b)}` });
    if (!shdNodes.includes(n)) shdNodes.push(n);
  }
  const shds: StatusRow[] = [];
  if (v.replica > 1 && shdEnabled(v)) {
    // The local daemon first, as "localhost"; then the peers.
    shdNodes.sort((a, b) => (a === local ? -1 : b === local ? 1 : 0));
    for (const n of shdNodes) {
      const host = n === local ? 'localhost' : n.fqdn;
      shds.push({ hostname: 'Self-heal Daemon', path: host, peerid: n.glusterUuid, online: true, port: null, pid: n.shdPid, node: n, label: `Self-heal Daemon on ${host}` });
    }
  }
  return { bricks, shds };
}

function statusLine(r: StatusRow): string {
  // A brick field of 43 columns; longer names wrap onto their own line.
  let label = r.label;
  let out = '';
  while (label.length > 43) {
    out += label.slice(0, 43) + '\n';
    label = label.slice(43);
  }
  const cells = r.online
    ? [r.port === null ? 'N/A' : String(r.port), r.port === null ? 'N/A' : '0', 'Y', String(r.pid)]
    : ['N/A', 'N/A', 'N', 'N/A'];
  return out + label.padEnd(44) + cells[0]!.padEnd(10) + cells[1]!.padEnd(11) + cells[2]!.padEnd(8) + cells[3]!.padEnd(5);
}

export function volumeStatusPlain(state: LabState, local: LabNode, v: Volume): string {
  const { bricks, shds } = statusRows(state, local, v);
  const ls = [`Status of volume: ${v.name}`, 'Gluster process                             TCP Port  RDMA Port  Online  Pid', DASHES];
  ls.push(...[...bricks, ...shds].map(statusLine), ' ', `Task Status of Volume ${v.name}`, DASHES, 'There are no active volume tasks');
  return ls.join('\n') + '\n';
}

const SIZE_TOTAL = 270553174016;
const INODES_TOTAL = 16777216;

function human(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)}GB`;
}

/** The brick file system's figures; each file in the volume takes a block and an inode. */
function diskFigures(v: Volume): { free: number; inodesFree: number } {
  return { free: 247268425728 - v.files.size * 4096, inodesFree: 16370790 - v.files.size };
}

export function volumeStatusDetailPlain(state: LabState, local: LabNode, v: Volume): string {
  const { bricks } = statusRows(state, local, v);
  const f = diskFigures(v);
  const kv = (k: string, val: string) => `${k.padEnd(20)} : ${val.padEnd(20)}`;
  const ls = [`Status of volume: ${v.name}`];
  for (const r of bricks) {
    ls.push(DASHES, kv('Brick', r.label), kv('TCP Port', r.online ? String(r.port) : 'N/A'), kv('RDMA Port', r.online ? '0' : 'N/A'));
    ls.push(kv('Online', r.online ? 'Y' : 'N'), kv('Pid', r.online ? String(r.pid) : 'N/A'), kv('File System', 'ext4'), kv('Device', '/dev/vda'));
    ls.push(kv('Mount Options', 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534'), kv('Inode Size', 'N/A'));
    ls.push(kv('Disk Space Free', human(f.free)), kv('Total Disk Space', human(SIZE_TOTAL)), kv('Inode Count', String(INODES_TOTAL)), kv('Free Inodes', String(f.inodesFree)));
  }
  ls.push(' ');
  return ls.join('\n') + '\n';
}

/** The `<volume>` element of `--xml volume status` (with `detail`: the disk figures, no tasks). */
export function volumeStatusXml(state: LabState, local: LabNode, v: Volume, detail: boolean): string {
  const { bricks, shds } = statusRows(state, local, v);
  const rows = detail ? bricks : [...bricks, ...shds];
  const f = diskFigures(v);
  let out = '      <volume>\n' + el(4, 'volName', v.name) + el(4, 'nodeCount', rows.length);
  for (const r of rows) {
    const port = r.online && r.port !== null ? String(r.port) : 'N/A';
    out += '        <node>\n' + el(5, 'hostname', r.hostname) + el(5, 'path', r.path) + el(5, 'peerid', r.peerid) + el(5, 'status', r.online ? 1 : 0);
    out += el(5, 'port', port) + '          <ports>\n' + el(6, 'tcp', port) + el(6, 'rdma', 'N/A') + '          </ports>\n' + el(5, 'pid', r.online ? r.pid : -1);
    if (detail) {
      out += el(5, 'sizeTotal', SIZE_TOTAL) + el(5, 'sizeFree', f.free) + el(5, 'device', '/dev/vda') + el(5, 'blockSize', 4096);
      out += el(5, 'mntOptions', 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534') + el(5, 'fsName', 'ext4');
      out += el(5, 'inodesTotal', INODES_TOTAL) + el(5, 'inodesFree', f.inodesFree - 1);
    }
    out += '        </node>\n';
  }
  return out + (detail ? '' : '        <tasks/>\n') + '      </volume>\n';
}

/** `volume heal VOL info [summary|split-brain]`, plain or XML. */
export function healInfo(state: LabState, v: Volume, mode: 'info' | 'summary' | 'split-brain', xml: boolean): string {
  const notConnected = 'Transport endpoint is not connected';
  if (xml) {
    let out = XML_HEAD + '  <healInfo>\n    <bricks>\n';
    for (const b of v.bricks) {
      const node = nodeOf(state, b.node);
      const up = brickOnline(state, v, b.node);
      const entries = [...(v.pending.get(b.node) ?? new Map<string, string>())];
      out += `      <brick hostUuid="${up ? node.glusterUuid : '-'}">\n` + el(4, 'name', brickName(state, b));
      if (!up && mode === 'summary') {
        // Sic: glfsheal 10.3 glues the next element's name into the status text.
        out += el(4, 'status', `Failed to process entries completely. (${notConnected})totalNumberOfEntries0`);
      } else if (!up) {
        out += el(4, 'status', notConnected) + el(4, 'numberOfEntries', '-');
      } else if (mode === 'summary') {
        out += el(4, 'status', 'Connected') + el(4, 'totalNumberOfEntries', entries.length) + el(4, 'numberOfEntriesInHealPending', entries.length);
        out += el(4, 'numberOfEntriesInSplitBrain', 0) + el(4, 'numberOfEntriesPossiblyHealing', 0);
      } else {
        if (mode === 'info') for (const [path, gfid] of entries) out += `        <file gfid="${gfid}">${esc(path)}</file>\n`;
        out += el(4, 'status', 'Connected') + el(4, 'numberOfEntries', mode === 'info' ? entries.length : 0);
      }
      out += '      </brick>\n';
    }
    return out + '    </bricks>\n  </healInfo>\n' + XML_OK + '</cliOutput>\n';
  }
  let out = '';
  for (const b of v.bricks) {
    const up = brickOnline(state, v, b.node);
    const entries = [...(v.pending.get(b.node)?.keys() ?? [])];
    out += `Brick ${brickName(state, b)}\n`;
    if (mode === 'info' && up) out += entries.map((e) => `${e} \n`).join('');
    out += `Status: ${up ? 'Connected' : notConnected}\n`;
    const n = (count: number) => (up ? String(count) : '-');
    if (mode === 'info') out += `Number of entries: ${n(entries.length)}\n`;
    else if (mode === 'split-brain') out += `Number of entries in split-brain: ${n(0)}\n`;
    else {
      out += `Total Number of entries: ${n(entries.length)}\nNumber of entries in heal pending: ${n(entries.length)}\n`;
      out += `Number of entries in split-brain: ${n(0)}\nNumber of entries possibly healing: ${n(0)}\n`;
    }
    out += '\n';
  }
  return out;
}
