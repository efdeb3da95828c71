/**
 * What the gluster CLI and the node itself say, asked directly inside a node's namespaces (not
 * through ferry, and not through ferry's parsers): the truth ferry's rows are compared with.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { onNode, VOLUME, MOUNT, type NodeName } from './bed.js';

const run = promisify(execFile);
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => ['node', 'peer', 'brick'].includes(name) });

async function glusterXml(node: NodeName, args: string): Promise<Record<string, any>> {
  const r = await onNode(node, `gluster --xml ${args}`);
  const doc = xml.parse(r.stdout)?.cliOutput;
  if (!doc) throw new Error(`gluster --xml ${args} on ${node}: no XML (exit ${r.code}): ${r.stdout}${r.stderr}`);
  if (doc.opRet !== '0') throw new Error(`gluster --xml ${args} on ${node}: ${doc.opErrstr}`);
  return doc;
}

export interface CliBrick {
  name: string;
  online: boolean;
  pid: string;
  port: string;
}

/** `gluster --xml volume status vm-instances`: the bricks only (not the self-heal daemons). */
export async function cliBricks(node: NodeName): Promise<CliBrick[]> {
  const doc = await glusterXml(node, `volume status ${VOLUME}`);
  const rows = (doc.volStatus.volumes.volume.node ?? []) as Record<string, any>[];
  return rows
    .filter((n) => n.path?.startsWith('/'))
    .map((n) => ({ name: `${n.hostname}:${n.path}`, online: n.status === '1', pid: n.status === '1' ? n.pid : '-', port: n.status === '1' ? n.ports.tcp : '-' }));
}

/** `gluster --xml pool list`: host name (localhost for the node asked) and whether connected. */
export async function cliPool(node: NodeName): Promise<{ host: string; connected: boolean }[]> {
  const doc = await glusterXml(node, 'pool list');
  return (doc.peerStatus.peer as Record<string, any>[]).map((p) => ({ host: p.hostname, connected: p.connected === '1' }));
}

/** `gluster --xml volume heal vm-instances info summary`: entries per brick (null where the brick did not answer). */
export async function cliHeal(node: NodeName): Promise<{ brick: string; status: string; total: number | null }[]> {
  const doc = await glusterXml(node, `volume heal ${VOLUME} info summary`);
  return (doc.healInfo.bricks.brick as Record<string, any>[]).map((b) => ({
    brick: b.name,
    status: String(b.status),
    total: b.status === 'Connected' ? Number(b.totalNumberOfEntries) : null,
  }));
}

/** `gluster volume info` status line: Started / Stopped. */
export async function cliVolumeState(node: NodeName): Promise<string> {
  const doc = await glusterXml(node, `volume info ${VOLUME}`);
  return doc.volInfo.volumes.volume.statusStr;
}

/** findmnt and stat of the instances mount point on the node. */
export async function nodeMount(node: NodeName): Promise<{ findmnt: string; findmntCode: number; stat: string; statCode: number }> {
  const [fm, st] = await Promise.all([onNode(node, `findmnt -n -o FSTYPE,SOURCE ${MOUNT}`), onNode(node, `stat -c '%U:%G' ${MOUNT}`)]);
  return { findmnt: fm.stdout.trim(), findmntCode: fm.code, stat: (st.stdout + st.stderr).trim(), statCode: st.code };
}

/** Every process in the node's network namespace, with its command line. */
export async function nodeProcesses(node: NodeName): Promise<{ pid: number; args: string }[]> {
  const { stdout } = await run('ip', ['netns', 'pids', `frg-${node}`]);
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  const procs = await Promise.all(
    pids.map(async (pid) => ({ pid, args: (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim() })),
  );
  return procs.filter((p) => p.args);
}

/** The PIDs of the node's processes whose command line matches. */
export async function pidsOf(node: NodeName, match: RegExp): Promise<number[]> {
  return (await nodeProcesses(node)).filter((p) => match.test(p.args)).map((p) => p.pid);
}

/** The process patterns of a node's gluster daemons and clients. */
export const PROC = {
  glusterd: /^glusterd /,
  brick: /^\/usr\/sbin\/glusterfsd /,
  shd: /--process-name glustershd/,
  fuse: /--process-name fuse/,
  sshd: /^sshd: /,
};

/** Resident memory of every process in the node's namespaces, in MiB. */
export async function nodeRssMiB(node: NodeName): Promise<number> {
  const kib = await Promise.all(
    (await nodeProcesses(node)).map(async (p) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${p.pid}/status`, 'utf8').catch(() => ''))?.[1] ?? 0)),
  );
  return kib.reduce((a, b) => a + b, 0) / 1024;
}

/**
 * Whether the process still runs: any of its threads not a zombie. A process that has exited stays
 * a zombie for a while (the bed's daemons are reparented to this machine's init, which reaps them
 * only now and then) and kill(pid, 0) still succeeds on it; its main thread turns zombie before
 * the others have exited.
 */
export function isAlive(pid: number): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tids.some((tid) => {
    try {
      // stat: "tid (comm) state ...", comm may hold spaces or parentheses.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch {
      return false;
    }
  });
}

/**
 * Whether the process is gone from /proc (reaped), which is what glusterd asks before it starts a
 * brick or daemon from its pidfile: gf_is_pid_running() counts a PID as running while
 * /proc/PID/cmdline can be opened, and it can for a zombie. The bed's daemons are children of this
 * machine's init, which reaps them one to two seconds after they died.
 */
export function isReaped(pid: number): boolean {
  return !existsSync(`/proc/${pid}`);
}
