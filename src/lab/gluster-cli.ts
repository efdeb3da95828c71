/**
 * The `gluster` CLI (10.3) on a compute node: option handling, the commands
 * that change the pool and the volume, and their errors, exactly as in
 * shared/fixtures/gluster/setup and volume-stopped. Read-only output is in gluster-views.ts.
 */
import { randomUUID } from 'node:crypto';
import { failure, result, type CommandContext, type LabCommand } from './exec-result.js';
import {
  esc,
  healInfo,
  peersOf,
  peerStatus,
  poolList,
  volumeInfo,
  volumeList,
  volumesOf,
  volumeStatusDetailPlain,
  volumeStatusPlain,
  volumeStatusXml,
  XML_HEAD,
  XML_OK,
} from './gluster-views.js';
import { advanceGluster } from './gluster-ops.js';
import { lockConflict } from './gluster-lock.js';
import { shdEnabled } from './gluster-views.js';
import { defaultVolumeOptions } from './build-state.js';
import { resolveHost, respawnBrick, type LabNode, type Volume } from './state.js';
import type { LabExecResult } from './types.js';

export const CONNECTION_FAILED = 'Connection failed. Please check if gluster daemon is operational.\n';

/** `gluster --version` and `glusterfs --version` (same text in the captures). */
export function glusterVersionText(version: string): string {
  return `glusterfs ${version}
Repository revision: git://git.gluster.org/glusterfs.git
Copyright (c) 2006-2016 Red Hat, Inc. <https://www.gluster.org/>
GlusterFS comes with ABSOLUTELY NO WARRANTY.
It is licensed to you under your choice of the GNU Lesser
General Public License, version 3 or any later version (LGPLv3
or later), or the GNU General Public License, version 2 (GPLv2),
in all cases as published by the Free Software Foundation.
`;
}

interface GlusterCall {
  ctx: CommandContext;
  words: string[];
  xml: boolean;
  script: boolean;
}

const USAGE: Record<string, string> = {
  'peer probe': 'peer probe { <HOSTNAME> | <IP-address> }',
  'volume create':
    'volume create <NEW-VOLNAME> [[replica <COUNT> [arbiter <COUNT>]]|[replica 2 thin-arbiter 1]] [disperse [<COUNT>]] [disperse-data <COUNT>] [redundancy <COUNT>] [transport <tcp|rdma|tcp,rdma>] <NEW-BRICK> <TA-BRICK>... [force]',
  'volume start': 'volume start <VOLNAME> [force]',
  'volume stop': 'volume stop <VOLNAME> [force]',
  'volume delete': 'volume delete <VOLNAME>',
  'volume status': 'volume status [all | <VOLNAME> [nfs|shd|<BRICK>|quotad]] [detail|clients|mem|inode|fd|callpool|tasks|client-list]',
  'volume heal': 'volume heal <VOLNAME> [enable | disable | full |statistics [heal-count [replica <HOSTNAME:BRICKNAME>]] |info [summary | split-brain] |split-brain {bigger-file <FILE> | latest-mtime <FILE> |source-brick <HOSTNAME:BRICKNAME> [<FILE>]} |granular-entry-heal {enable | disable}]',
  'volume info': 'volume info [all|<VOLNAME>]',
};

const usage = (cmd: string) => failure(`Usage:\n${USAGE[cmd] ?? cmd}\n\n`, 1);

function olderThan(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a < major || (a === major && b < minor);
}

/** `gluster ...` on a node with glusterfs-server installed. */
export const glusterCommand: LabCommand = (ctx, args) => {
  advanceGluster(ctx.state, ctx.now);
  const words: string[] = [];
  let xml = false;
  let script = false;
  // Like the real CLI, `--options` are taken out wherever they stand.
  for (const a of args) {
    if (a === '--version' || a === '-V') return result(glusterVersionText(ctx.node.glusterVersion));
    // The CLI's XML output came with GlusterFS 3.3; an older CLI knows no such option.
    // (The 3.2 wording is not captured: it is taken to be the same as for any unknown option.)
    if (a === '--xml' && olderThan(ctx.node.glusterVersion, 3, 3)) return failure('', 1, `unrecognized option ${a}\n`);
    if (a === '--xml') xml = true;
    else if (a === '--mode=script') script = true;
    else if (a.startsWith('--mode=') || a.startsWith('--log-') || a.startsWith('--timeout=') || a.startsWith('--remote-host=')) continue;
    else if (a.startsWith('--')) return failure('', 1, `unrecognized option ${a}\n`);
    else words.push(a);
  }
  if (!ctx.node.glusterdUp) return failure('', 1, CONNECTION_FAILED);
  const call: GlusterCall = { ctx, words, xml, script };
  const [w0, w1] = words;
  if (w0 === 'peer' && w1 === 'status') return result(peerStatus(ctx.state, ctx.node, xml));
  if (w0 === 'pool' && w1 === 'list') return result(poolList(ctx.state, ctx.node, xml));
  if (w0 === 'peer' && w1 === 'probe') return peerProbe(call);
  if (w0 === 'volume') {
    switch (w1) {
      case 'list': {
        const out = volumeList(volumesOf(ctx.state, ctx.node), xml);
        return result(out.stdout, out.stderr);
      }
      case 'info':
        return volumeInfoCmd(call);
      case 'status':
        return volumeStatusCmd(call);
      case 'heal':
        return volumeHealCmd(call);
      case 'create':
        return volumeCreate(call);
      case 'start':
        return volumeStart(call);
      case 'stop':
        return volumeStop(call);
      case 'delete':
        return volumeDelete(call);
    }
  }
  // The word the CLI's command tree does not know: the second for `volume`/`peer`/`pool`, else the first.
  const position = ['volume', 'peer', 'pool'].includes(w0 ?? '') && w1 !== undefined ? 1 : 0;
  return failure('', 1, `unrecognized word: ${words[position] ?? ''} (position ${position})\n`);
};

/** A volume by name as this node's glusterd sees it. */
function findVolume(c: GlusterCall, name: string): Volume | undefined {
  return volumesOf(c.ctx.state, c.ctx.node).find((v) => v.name === name);
}

/**
 * The answer of a command that changes something: `op: success`, or `op: failed: why` on
 * stderr (exit 1). With --xml a refusal exits 0 with opRet -1 and `opErrno` (30800 for most,
 * 0 for create: setup/volume-create-exists.xml, volume-stopped/volume-stop-again.xml).
 */
function opResult(c: GlusterCall, op: string, ok: boolean, message: string, opErrno = 30800): LabExecResult {
  if (c.xml) {
    const err = ok ? '  <opErrstr/>\n' : `  <opErrstr>${esc(message)}</opErrstr>\n`;
    const out = ok ? `  <output>${esc(message)}</output>\n` : '';
    return result(`${XML_HEAD}  <opRet>${ok ? 0 : -1}</opRet>\n  <opErrno>${ok ? 0 : opErrno}</opErrno>\n${err}${out}</cliOutput>\n`);
  }
  return ok ? result(`${op}: ${message}\n`) : failure(`${op}: failed: ${message}\n`);
}

function peerProbe(c: GlusterCall) {
  const { state } = c.ctx;
  const self = c.ctx.node;
  const host = c.words[2];
  if (host === undefined || c.words.length > 3) return usage('peer probe');
  const target = host === 'localhost' || host === '127.0.0.1' ? self : resolveHost(state, host);
  if (target === self) return opResult(c, 'peer probe', true, 'Probe on localhost not needed');
  if (!target || !target.glusterInstalled || !target.glusterdUp) {
    return opResult(c, 'peer probe', false, 'Probe returned with Transport endpoint is not connected', 107);
  }
  if (target.poolId === self.poolId) return opResult(c, 'peer probe', true, `Host ${host} port 24007 already in peer list`);
  if (peersOf(state, target).length > 0 || volumesOf(state, target).length > 0) {
    return opResult(c, 'peer probe', false, `${host} is either already part of another cluster or having volumes configured`);
  }
  target.poolId = self.poolId;
  return opResult(c, 'peer probe', true, 'success');
}

function volumeInfoCmd(c: GlusterCall) {
  const name = c.words[2];
  const all = volumesOf(c.ctx.state, c.ctx.node);
  if (name === undefined || name === 'all') return result(volumeInfo(c.ctx.state, all, c.xml));
  const v = findVolume(c, name);
  if (!v) return notFound(c, name, 'volInfo');
  return result(volumeInfo(c.ctx.state, [v], c.xml));
}

/** `Volume X does not exist` / `is not started`: stderr and exit 1, or an XML error with exit 0 (captures). */
function notFound(c: GlusterCall, name: string, cliOp: string, why = 'does not exist') {
  const msg = `Volume ${name} ${why}`;
  if (c.xml) {
    return result(`${XML_HEAD}  <opRet>-1</opRet>\n  <opErrno>30800</opErrno>\n  <opErrstr>${esc(msg)}</opErrstr>\n  <cliOp>${cliOp}</cliOp>\n  <output>${esc(msg)}</output>\n</cliOutput>\n`);
  }
  return failure(msg + '\n');
}

function volumeStatusCmd(c: GlusterCall) {
  const { state, node } = c.ctx;
  const rest = c.words.slice(2);
  const detail = rest[rest.length - 1] === 'detail';
  if (detail) rest.pop();
  if (rest.length > 1) return usage('volume status');
  const name = rest[0] ?? 'all';
  const asked = name === 'all' ? volumesOf(state, node) : volumesOf(state, node).filter((v) => v.name === name);
  // glusterd takes the volume's lock before it looks at the volume's state.
  const locked = lockConflict(state, asked.map((v) => v.name), c.xml, name === 'all');
  if (locked) return locked;
  if (name === 'all') {
    const vols = volumesOf(state, node);
    if (vols.length === 0) return result('No volumes present\n');
    if (c.xml) {
      const started = vols.filter((v) => v.status === 'Started');
      const body = started.map((v) => volumeStatusXml(state, node, v, detail)).join('');
      // No started volume: an empty element (volume-stopped/volume-status-all.xml).
      const volumes = body ? `    <volumes>\n${body}    </volumes>\n` : '    <volumes/>\n';
      return result(`${XML_HEAD}${XML_OK}  <volStatus>\n${volumes}  </volStatus>\n</cliOutput>\n`);
    }
    let stdout = '';
    let stderr = '';
    for (const v of vols) {
      if (v.status === 'Started') stdout += (detail ? volumeStatusDetailPlain(state, node, v).replace(/ \n$/, '') : volumeStatusPlain(state, node, v)) + ' \n';
      else [stdout, stderr] = [stdout + ' \n', stderr + `Volume ${v.name} is not started\n`];
    }
    return result(stdout, stderr);
  }
  const v = findVolume(c, name);
  if (!v) return notFound(c, name, 'volStatus');
  if (v.status !== 'Started') return notFound(c, name, 'volStatus', 'is not started');
  if (c.xml) return result(`${XML_HEAD}${XML_OK}  <volStatus>\n    <volumes>\n${volumeStatusXml(state, node, v, detail)}    </volumes>\n  </volStatus>\n</cliOutput>\n`);
  return result(detail ? volumeStatusDetailPlain(state, node, v) : volumeStatusPlain(state, node, v) + ' \n');
}

function volumeHealCmd(c: GlusterCall) {
  const [, , name, sub, mode, ...extra] = c.words;
  if (name === undefined || extra.length > 0) return usage('volume heal');
  const v = findVolume(c, name);
  const disabled = v !== undefined && !shdEnabled(v);
  // heal-pending/heal-trigger-while-disabled, heal-statistics-heal-count (--xml is ignored for both).
  const refused = (what: string) => failure(`${what} on volume ${name} has been unsuccessful:\nSelf-heal-daemon is disabled. Heal will not be triggered on volume ${name}\n`);
  if (v && (sub === 'enable' || sub === 'disable') && mode === undefined) {
    v.options = [['cluster.self-heal-daemon', sub], ...v.options.filter(([k]) => k !== 'cluster.self-heal-daemon')];
    return result(`${sub === 'enable' ? 'Enable' : 'Disable'} heal on volume ${name} has been successful \n`);
  }
  if (v && sub === 'statistics' && mode === 'heal-count' && disabled) return refused('Gathering count of entries to be healed');
  if (sub === undefined) {
    if (!v) return failure(`Volume ${name} does not exist\nVolume heal failed.\n`);
    if (disabled) return refused('Launching heal operation to perform index self heal');
    return result(`Launching heal operation to perform index self heal on volume ${name} has been successful \nUse heal info commands to check status.\n`);
  }
  if (sub !== 'info' || (mode !== undefined && mode !== 'summary' && mode !== 'split-brain')) return usage('volume heal');
  // heal info runs glfsheal, which needs the volfile of a started volume; 251 is its -EIO.
  if (!v || v.status !== 'Started') {
    const why = `${name}: Not able to fetch volfile from glusterd`;
    if (c.xml) {
      return result(`${XML_HEAD}  <healInfo>\n    <bricks/>\n  </healInfo>\n  <opRet>-1</opRet>\n  <opErrno>5</opErrno>\n  <opErrstr>${esc(why)}</opErrstr>\n</cliOutput>\n`, '', 251);
    }
    return result(`${why}\nVolume heal failed.\n`, '', 251);
  }
  return result(healInfo(c.ctx.state, v, mode ?? 'info', c.xml));
}

function volumeCreate(c: GlusterCall) {
  const { state, node } = c.ctx;
  const args = c.words.slice(2);
  const name = args.shift();
  if (name === undefined) return usage('volume create');
  let replica = 1;
  if (args[0] === 'replica') {
    replica = Number(args[1]);
    args.splice(0, 2);
    if (!Number.isInteger(replica) || replica < 2) return failure('replica count should be greater than 1\n\n' + `Usage:\n${USAGE['volume create']}\n\n`);
  }
  if (args[0] === 'transport') args.splice(0, 2);
  const force = args[args.length - 1] === 'force';
  if (force) args.pop();
  if (args.length === 0 || args.some((b) => !/^[^:]+:\/.*/.test(b))) return usage('volume create');
  if (args.length % replica !== 0) return failure(`number of bricks is not a multiple of replica count\n\nUsage:\n${USAGE['volume create']}\n\n`);
  const op = `volume create: ${name}`;
  if (findVolume(c, name)) return opResult(c, op, false, `Volume ${name} already exists`, 0);
  const bricks: { node: LabNode; path: string; text: string }[] = [];
  for (const text of args) {
    const i = text.indexOf(':');
    const host = text.slice(0, i);
    const target = resolveHost(state, host);
    if (!target || (target !== node && (target.poolId !== node.poolId || !target.glusterdUp)) || !target.glusterInstalled) {
      return opResult(c, op, false, `Host ${host} is not in 'Peer in Cluster' state`, 0);
    }
    bricks.push({ node: target, path: text.slice(i + 1), text });
  }
  if (!force) {
    const sameHost = bricks.some((b, i) => bricks.findIndex((x) => x.node === b.node) !== i);
    if (replica > 1 && sameHost) {
      return opResult(c, op, false, "Multiple bricks of a replicate volume are present on the same server. This setup is not optimal. Bricks should be on different nodes to have best fault tolerant configuration. Use 'force' at the end of the command if you want to override this behavior. ", 0);
    }
    // Every lab brick lives on the root file system, as in the captured cluster.
    const first = bricks.find((b) => b.node === node) ?? bricks[0]!;
    return opResult(c, op, false, `The brick ${first.text} is being created in the root partition. It is recommended that you don't use the system's root partition for storage backend. Or use 'force' at the end of the command if you want to override this behavior.`, 0);
  }
  for (const b of bricks) {
    // glusterd creates a missing brick directory (and its parents).
    const parts = b.path.split('/').filter(Boolean);
    for (let k = 1; k <= parts.length; k++) {
      const dir = '/' + parts.slice(0, k).join('/');
      if (!b.node.dirs.has(dir)) b.node.dirs.set(dir, { owner: 'root:root', mode: '755' });
    }
  }
  state.volumes.set(name, {
    name,
    id: randomUUID(),
    poolId: node.poolId,
    replica,
    bricks: bricks.map((b) => ({ node: b.node.name, path: b.path })),
    status: 'Created',
    options: defaultVolumeOptions(),
    rootOwner: 'root:root',
    rootMode: '755',
    files: new Map(),
    pending: new Map(),
  });
  return opResult(c, op, true, 'success: please start the volume to access data');
}

function volumeStart(c: GlusterCall) {
  const [, , name, force, ...extra] = c.words;
  if (name === undefined || extra.length > 0 || (force !== undefined && force !== 'force')) return usage('volume start');
  const op = `volume start: ${name}`;
  const v = findVolume(c, name);
  if (!v) return opResult(c, op, false, `Volume ${name} does not exist`);
  if (v.status === 'Started' && force === undefined) return opResult(c, op, false, `Volume ${name} already started`);
  for (const b of v.bricks) {
    const n = c.ctx.state.nodes.get(b.node)!;
    // Starting (or `start force`) spawns every brick process that is not running.
    if (v.status !== 'Started' || n.brickKilled) respawnBrick(n);
    n.brickKilled = false;
  }
  v.status = 'Started';
  advanceGluster(c.ctx.state, c.ctx.now);
  return opResult(c, op, true, 'success');
}

/**
 * Without --mode=script the CLI asks on the terminal; over SSH stdin is at EOF, so it
 * complains, exits 0 and does nothing (volume-stopped/volume-stop-without-script-mode).
 */
function unanswered(what: string): LabExecResult {
  return result(`${what} Do you want to continue? (y/n) gluster cli read error\nInvalid input, please enter y/n\n`);
}

/** `volume delete VOL`: only a stopped (or never started) volume (two-volumes/volume-delete*). */
function volumeDelete(c: GlusterCall) {
  const [, , name, ...extra] = c.words;
  if (name === undefined || extra.length > 0) return usage('volume delete');
  if (!c.script) return unanswered('Deleting volume will erase all information about the volume.');
  const op = `volume delete: ${name}`;
  const v = findVolume(c, name);
  if (!v) return opResult(c, op, false, `Volume ${name} does not exist`);
  if (v.status === 'Started') return opResult(c, op, false, `Volume ${name} has been started.Volume needs to be stopped before deletion.`);
  c.ctx.state.volumes.delete(name);
  return opResult(c, op, true, 'success');
}

function volumeStop(c: GlusterCall) {
  const [, , name, force, ...extra] = c.words;
  if (name === undefined || extra.length > 0 || (force !== undefined && force !== 'force')) return usage('volume stop');
  if (!c.script) return unanswered('Stopping volume will make its data inaccessible.');
  const op = `volume stop: ${name}`;
  const v = findVolume(c, name);
  if (!v) return opResult(c, op, false, `Volume ${name} does not exist`);
  if (v.status !== 'Started') return opResult(c, op, false, `Volume ${name} is not in the started state`);
  v.status = 'Stopped';
  return opResult(c, op, true, 'success');
}

