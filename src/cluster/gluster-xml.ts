/**
 * Parsers for `gluster --xml ...`. Every document is a `<cliOutput>` with
 * `opRet`/`opErrno`/`opErrstr`; a non-zero opRet becomes a typed error (the XML
 * form exits 0 even then for `volume status`, see setup/volume-status-nosuchvol.xml).
 * Output that is not a well-formed cliOutput document throws an `unparsable`
 * ClusterError, on which GlusterOps falls back to the plain text.
 */
import { createRequire } from 'node:module';
import type { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ClusterError } from '../errors.js';
import { glusterErrorFromText, unparsable } from './gluster-errors.js';
import { splitBrickName } from './gluster-text.js';
import type { Brick, DaemonStatus, HealEntry, Peer, VolumeInfo, VolumeStatus } from './gluster-types.js';

/** A parsed XML element: fast-xml-parser's plain-object form. */
type Node = Record<string, unknown>;

// fast-xml-parser is required with the first document, not at start-up: `ferry run "/ferry help"`
// and the commands that read no gluster XML start without it.
const require = createRequire(import.meta.url);
let loaded: { parser: XMLParser; validator: typeof XMLValidator } | undefined;
function fxp(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const { XMLParser, XMLValidator } = require('fast-xml-parser') as typeof import('fast-xml-parser');
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    // Keep every value a string: uuids, `N/A` and `-` must not be coerced.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
  });
  return (loaded = { parser, validator: XMLValidator });
}

/**
 * Parses a cliOutput document and checks its opRet. Returns the `<cliOutput>` element.
 * @param host named in the errors thrown
 */
export function parseCliOutput(xml: string, what: string, host?: string): Node {
  const start = xml.indexOf('<?xml') >= 0 ? xml.indexOf('<?xml') : xml.indexOf('<cliOutput');
  if (start < 0) throw unparsable(what, 'no <cliOutput> document', host);
  const doc = xml.slice(start);
  const valid = fxp().validator.validate(doc);
  if (valid !== true) throw unparsable(what, `malformed XML (${valid.err.msg}, line ${valid.err.line})`, host);
  const root = obj(fxp().parser.parse(doc) as unknown).cliOutput;
  if (typeof root !== 'object' || root === null) throw unparsable(what, 'no <cliOutput> element', host);
  const out = root as Node;
  if (Number(text(out.opRet)) !== 0) {
    const message = text(out.opErrstr) || text(out.output) || `${what} failed (opErrno ${text(out.opErrno)})`;
    throw glusterErrorFromText(message, host) ?? new ClusterError(message, 'gluster-error', host);
  }
  return out;
}

/** `gluster --xml peer status` and `gluster --xml pool list` (the latter adds `localhost` without a state). */
export function parsePeersXml(xml: string, host?: string): Peer[] {
  const out = parseCliOutput(xml, 'gluster peer status', host);
  return list(obj(out.peerStatus).peer).map((p): Peer => {
    const n = obj(p);
    const hostname = text(n.hostname);
    const otherNames = list(obj(n.hostnames).hostname).map(text).filter((h) => h !== hostname);
    const state = text(n.stateStr);
    return { hostname, uuid: text(n.uuid), state: state || null, connected: text(n.connected) === '1', self: hostname === 'localhost', otherNames };
  });
}

/** `gluster --xml volume list`. */
export function parseVolumeListXml(xml: string, host?: string): string[] {
  const out = parseCliOutput(xml, 'gluster volume list', host);
  return list(obj(out.volList).volume).map(text);
}

const TRANSPORTS = ['tcp', 'rdma', 'tcp,rdma'];

/** `gluster --xml volume info [VOL]`. */
export function parseVolumeInfoXml(xml: string, host?: string): VolumeInfo[] {
  const out = parseCliOutput(xml, 'gluster volume info', host);
  return list(obj(obj(out.volInfo).volumes).volume).map((v): VolumeInfo => {
    const n = obj(v);
    const int = (k: string) => Number(text(n[k]) || 0);
    const options: Record<string, string> = {};
    for (const o of list(obj(n.options).option)) options[text(obj(o).name)] = text(obj(o).value);
    const status = text(n.statusStr);
    return {
      name: text(n.name),
      id: text(n.id),
      type: text(n.typeStr),
      status,
      started: status === 'Started',
      snapshotCount: text(n.snapshotCount) === '' ? null : int('snapshotCount'),
      brickCount: int('brickCount'),
      distCount: int('distCount') || null,
      replicaCount: int('replicaCount') > 1 ? int('replicaCount') : null,
      arbiterCount: int('arbiterCount'),
      disperseCount: int('disperseCount'),
      redundancyCount: int('redundancyCount'),
      transport: TRANSPORTS[int('transport')] ?? text(n.transport),
      // <brick> has mixed content: the name as text, then <name>, <hostUuid>, <isArbiter>.
      bricks: list(obj(n.bricks).brick).map((b) => {
        const bn = obj(b);
        return { ...splitBrickName(text(bn.name) || text(bn)), arbiter: text(bn.isArbiter) === '1', hostUuid: text(bn.hostUuid) || null };
      }),
      options,
    };
  });
}

/**
 * `gluster --xml volume status [VOL] [detail]`. Bricks and daemons are all `<node>`s;
 * a daemon has its name in `<hostname>` and its host in `<path>`
 * (healthy/volume-status.xml: `Self-heal Daemon` / `localhost`).
 */
export function parseVolumeStatusXml(xml: string, host?: string): VolumeStatus[] {
  const out = parseCliOutput(xml, 'gluster volume status', host);
  return list(obj(obj(out.volStatus).volumes).volume).map((v): VolumeStatus => {
    const n = obj(v);
    const bricks: Brick[] = [];
    const daemons: DaemonStatus[] = [];
    for (const raw of list(n.node)) {
      const d = obj(raw);
      const path = text(d.path);
      const common = {
        online: text(d.status) === '1',
        pid: count(text(d.pid)),
        port: count(text(obj(d.ports).tcp) || text(d.port)),
        peerId: text(d.peerid) || null,
      };
      if (!path.startsWith('/')) {
        daemons.push({ name: text(d.hostname), host: path, ...common });
        continue;
      }
      const brick: Brick = { ...splitBrickName(`${text(d.hostname)}:${path}`), ...common, rdmaPort: count(text(obj(d.ports).rdma)) || null };
      if ('sizeTotal' in d || 'fsName' in d) {
        brick.detail = {
          fsType: text(d.fsName) || null,
          device: text(d.device) || null,
          mountOptions: text(d.mntOptions) || null,
          inodeSize: text(d.inodeSize) || null,
          sizeTotalBytes: count(text(d.sizeTotal)),
          sizeFreeBytes: count(text(d.sizeFree)),
          inodesTotal: count(text(d.inodesTotal)),
          inodesFree: count(text(d.inodesFree)),
        };
      }
      bricks.push(brick);
    }
    return { volume: text(n.volName), bricks, daemons };
  });
}

/**
 * `gluster --xml volume heal VOL info` and `... info summary`. XML does not flag
 * split-brain files in `info` (glfs-heal writes only path and gfid), so splitBrain
 * is null there unless the brick has no entries at all.
 */
export function parseHealXml(xml: string, host?: string): HealEntry[] {
  const out = parseCliOutput(xml, 'gluster volume heal info', host);
  return list(obj(obj(out.healInfo).bricks).brick).map((b): HealEntry => {
    const n = obj(b);
    const brick = text(n.name);
    const { host: brickHost, path } = brick.includes(':/') ? splitBrickName(brick) : { host: '-', path: '' };
    const status = cleanStatus(text(n.status));
    const connected = status === 'Connected';
    const summary = 'totalNumberOfEntries' in n || 'numberOfEntriesInSplitBrain' in n;
    const pending = connected ? count(text(summary ? n.totalNumberOfEntries : n.numberOfEntries)) : null;
    const files = list(n.file).map((f) => ({ path: text(f), gfid: text(obj(f)['@_gfid']) || null, splitBrain: false, possiblyHealing: false }));
    return {
      brick, host: brickHost, path, status, connected, pending,
      splitBrain: !connected ? null : summary ? count(text(n.numberOfEntriesInSplitBrain)) : pending === 0 ? 0 : null,
      possiblyHealing: connected && summary ? count(text(n.numberOfEntriesPossiblyHealing)) : null,
      files,
    };
  });
}

/**
 * glfs-heal 10.3 writes the counter into the status of a brick it could not fully
 * read, with no separator: `Failed to process entries completely. (Transport
 * endpoint is not connected)totalNumberOfEntries0` (brick-down/heal-info-summary.xml).
 * The glued-on counter is dropped: the brick was not read, so it means nothing.
 */
function cleanStatus(status: string): string {
  return status.replace(/\)\s*[A-Za-z]+\s*-?\d+$/, ')');
}

/** Non-negative integer text → number; `N/A`, `-`, `-1` and empty → null. */
function count(value: string): number | null {
  return /^\d+$/.test(value) ? Number(value) : null;
}

function obj(value: unknown): Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Node) : {};
}

/** A repeated element: fast-xml-parser gives one object, an array, or nothing (`<bricks/>` is ''). */
function list(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** An element's text, whether it is a plain value or an object with attributes. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const t = obj(value)['#text'];
  return typeof t === 'string' || typeof t === 'number' ? String(t) : '';
}
