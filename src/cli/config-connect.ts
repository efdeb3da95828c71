/**
 * `ferry config check --connect`: every node reached with the pinned key, and
 * what ferry needs there — gluster on each compute with nova.conf readable, the
 * nova (or openstack) CLI on the control node with openstack.openrc sourced.
 * One row per node; a cell says what was seen, the reasons say why a check failed.
 */
import { readFileSync } from 'node:fs';
import { allNodes, type NodeConfig } from '../config.js';
import { HostKeyError, RemoteCommandError, SshTimeoutError, UnreachableError } from '../errors.js';
import { fingerprint, lookupHostKeys, parseKnownHosts, type KnownHostEntry } from '../ssh/known-hosts.js';
import { sshOf, type Cluster } from '../cluster/cluster.js';
import { OpenrcError } from '../cluster/nova.js';
import { compareVersions } from '../cluster/gluster-text.js';
import { readNovaConf } from '../cluster/nova-conf.js';
import { report, type Report } from '../report.js';

const COLUMNS = ['Node', 'Address', 'SSH', 'Host key', 'gluster', 'nova / openstack', 'openrc', 'nova.conf'];
const NOT_CHECKED = 'not checked';
const NOT_HERE = '-';

interface Row {
  cells: string[];
  problems: string[];
}

/** Checks every node at once; FAIL when any check failed. */
export async function connectReport(cluster: Cluster): Promise<Report> {
  const { config } = cluster;
  const known = parseKnownHosts(readFileSync(config.ssh.knownHosts, 'utf8'));
  const rows = await Promise.all(allNodes(config).map((node) => checkNode(cluster, node, node === config.nodes.control, known)));
  const problems = rows.flatMap((r) => r.problems);
  return report({
    title: 'ferry config check --connect',
    verdict: problems.length > 0 ? 'FAIL' : 'OK',
    reasons: problems.length > 0 ? problems : ['every node answered with its pinned host key, and ferry found what it needs there'],
    tables: [{ title: 'Nodes', columns: COLUMNS, rows: rows.map((r) => r.cells) }],
  });
}

async function checkNode(cluster: Cluster, node: NodeConfig, isControl: boolean, known: readonly KnownHostEntry[]): Promise<Row> {
  const problems: string[] = [];
  const failed = (what: string, err: unknown): string => {
    const message = err instanceof Error ? err.message : String(err);
    problems.push(`${node.name}: ${message.startsWith(what) ? '' : `${what}: `}${message}`);
    return short(err);
  };
  const address = `${node.user}@${node.host}${node.port === 22 ? '' : `:${node.port}`}`;
  const row = (ssh: string, hostKey: string, rest: string[]): Row => ({ cells: [node.name, address, ssh, hostKey, ...rest], problems });

  try {
    await sshOf(cluster).exec(node.name, ['true']);
  } catch (err) {
    const hostKey = err instanceof HostKeyError ? (err.expected.length ? `CHANGED (${err.presented})` : `not pinned (${err.presented})`) : NOT_CHECKED;
    return row(failed('SSH', err), hostKey, isControl ? [NOT_HERE, NOT_CHECKED, NOT_CHECKED, NOT_HERE] : [NOT_CHECKED, NOT_HERE, NOT_HERE, NOT_CHECKED]);
  }
  const pinned = lookupHostKeys(known, node.host, node.port).keys;
  const hostKey = pinned.length === 1 ? `pinned ${fingerprint(pinned[0]!.key)}` : `pinned (one of ${pinned.length})`;

  if (isControl) {
    const [nova, openrc] = await checkNova(cluster, failed);
    return row('ok', hostKey, [NOT_HERE, nova, openrc, NOT_HERE]);
  }
  const [gluster, novaConf] = await Promise.all([
    cluster.gluster.version(node.name).then(
      (v) => {
        const min = cluster.config.gluster.minVersion;
        if (compareVersions(v, min) >= 0) return `glusterfs ${v.text}`;
        problems.push(`${node.name}: glusterfs ${v.text} is older than gluster.minVersion ${min}`);
        return `glusterfs ${v.text} (too old)`;
      },
      (err: unknown) => failed('gluster', err),
    ),
    readNovaConf(sshOf(cluster), node.name).then(
      () => 'readable',
      (err: unknown) => failed('nova.conf', err),
    ),
  ]);
  return row('ok', hostKey, [gluster, NOT_HERE, NOT_HERE, novaConf]);
}

/** The nova/openstack CLI with the openrc sourced: the one command tells both. Returns [nova cell, openrc cell]. */
async function checkNova(cluster: Cluster, failed: (what: string, err: unknown) => string): Promise<[string, string]> {
  const { cli, openrc } = cluster.config.openstack;
  try {
    const services = await cluster.nova.services();
    return [`${cli} answered (${services.length} services)`, openrc === undefined ? 'not set' : 'sourced'];
  } catch (err) {
    if (err instanceof OpenrcError) return [NOT_CHECKED, failed('openstack.openrc', err)];
    // The command ran, so the openrc (if any) was sourced.
    return [failed(cli, err), openrc === undefined ? 'not set' : 'sourced'];
  }
}

/** A table cell for a failure; the reasons line carries the whole message. */
function short(err: unknown): string {
  if (err instanceof UnreachableError) return 'unreachable';
  if (err instanceof SshTimeoutError) return 'no answer';
  if (err instanceof HostKeyError) return 'refused';
  if (err instanceof OpenrcError) return err.message.includes('does not exist') ? 'missing' : 'not readable';
  if (err instanceof RemoteCommandError) return err.exitCode === 127 ? 'not found' : err.exitCode === 1 && /No such file/.test(err.stderr) ? 'missing' : `failed (exit ${err.exitCode ?? 'signal'})`;
  return 'failed';
}
