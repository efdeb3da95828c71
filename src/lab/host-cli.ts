/**
 * Host commands: findmnt, mount, umount (util-linux 2.38 and mount.glusterfs),
 * glusterfs --version, systemctl is-active, dpkg-query -W, hostname, echo,
 * true, false. Captures: shared/fixtures/gluster/mount.
 */
import { failure, result, type LabCommand } from './exec-result.js';
import { glusterVersionText } from './gluster-cli.js';
import { setGlusterd } from './gluster-ops.js';
import { volumesOf } from './gluster-views.js';
import { MOUNT_POINT, resolveHost } from './state.js';
import { posix } from 'node:path';

const FUSE_OPTIONS = 'rw,relatime,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072';

/** findmnt [-n] [-r] [-o COLS] [-t TYPE] [-T|-M] [PATH]: the lab's only mount is the gluster one. */
const findmnt: LabCommand = (ctx, args) => {
  let heading = true;
  let cols = ['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS'];
  let type: string | undefined;
  let byTarget = false;
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--noheadings') heading = false;
    else if (a === '-o' || a === '--output') cols = (args[++i] ?? '').split(',').map((c) => c.toUpperCase());
    else if (a.startsWith('--output=')) cols = a.slice(9).split(',').map((c) => c.toUpperCase());
    else if (a === '-t' || a === '--types') type = args[++i];
    else if (a === '-T' || a === '--target') [byTarget, path] = [true, args[++i]];
    else if (a === '-M' || a === '--mountpoint') path = args[++i];
    else if (a === '-r' || a === '--raw' || a === '-f' || a === '--first-only' || a === '-l' || a === '--list') continue;
    else path = a;
  }
  const unknown = cols.find((c) => !['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS'].includes(c));
  if (unknown) return failure(`findmnt: unknown column: ${unknown}\n`);
  const mounted = ctx.node.mounted !== null;
  const target = path === undefined ? undefined : posix.resolve('/root', path);
  const matches =
    mounted &&
    (type === undefined || type === 'fuse.glusterfs') &&
    (target === undefined || target === MOUNT_POINT || (byTarget && target.startsWith(MOUNT_POINT + '/')));
  if (!matches) return result('', '', 1);
  const values: Record<string, string> = { TARGET: MOUNT_POINT, SOURCE: ctx.node.mountSource, FSTYPE: 'fuse.glusterfs', OPTIONS: FUSE_OPTIONS };
  const rows = heading ? [cols, cols.map((c) => values[c]!)] : [cols.map((c) => values[c]!)];
  // Columns are as wide as their widest cell; the last one is not padded.
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return result(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ')).join('\n') + '\n');
};

/** mount -t glusterfs HOST:VOL MOUNT_POINT (mount.glusterfs), or `mount` alone to list. */
const mount: LabCommand = (ctx, args) => {
  const node = ctx.node;
  const positional: string[] = [];
  let type: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-t') type = args[++i];
    else if (a === '-o') i++;
    else if (!a.startsWith('-')) positional.push(a);
  }
  if (positional.length === 0) {
    return result(node.mounted === null ? '' : `${node.mountSource} on ${MOUNT_POINT} type fuse.glusterfs (${FUSE_OPTIONS})\n`);
  }
  const [source, rawTarget] = positional;
  if (rawTarget === undefined || type !== 'glusterfs') {
    return failure(`mount: ${posix.resolve('/root', rawTarget ?? source!)}: can't find in /etc/fstab.\n`, 1);
  }
  if (!node.glusterInstalled) return failure(`mount: ${rawTarget}: unknown filesystem type 'glusterfs'.\n`, 32);
  const target = posix.resolve('/root', rawTarget);
  if (!node.dirs.has(target)) return failure('ERROR: Mount point does not exist\nPlease specify a mount point\n', 1);
  if (node.mounted !== null && target === MOUNT_POINT) {
    return failure(`/sbin/mount.glusterfs: according to mtab, GlusterFS is already mounted on ${target}\n`, 32);
  }
  if (target !== MOUNT_POINT) return failure(`mount: the lab mounts gluster volumes at ${MOUNT_POINT} only\n`, 1);
  const sep = source!.indexOf(':');
  const server = sep > 0 ? source!.slice(0, sep) : '';
  const volName = source!.slice(sep + 1).replace(/^\//, '');
  const srvNode = server === 'localhost' ? node : resolveHost(ctx.state, server);
  const vol = srvNode?.glusterdUp ? volumesOf(ctx.state, srvNode).find((v) => v.name === volName) : undefined;
  if (!vol || vol.status !== 'Started') {
    return failure(`Mount failed. Check the log file /var/log/glusterfs/${target.slice(1).replace(/\//g, '-')}.log for more details.\n`, 1);
  }
  node.mounted = vol.name;
  node.mountSource = source!;
  return result('');
};

const umount: LabCommand = (ctx, args) => {
  const paths = args.filter((a) => !a.startsWith('-'));
  if (paths.length === 0) return failure('Usage:\n umount [-hV]\n umount -a [options]\n umount [options] <source> | <directory>\n', 1);
  let stderr = '';
  for (const p of paths) {
    const target = posix.resolve('/root', p);
    if (ctx.node.mounted !== null && (target === MOUNT_POINT || p === ctx.node.mountSource)) [ctx.node.mounted, ctx.node.fuseDead] = [null, false];
    else if (ctx.node.dirs.has(target)) stderr += `umount: ${target}: not mounted.\n`;
    else stderr += `umount: ${target}: no mount point specified.\n`;
  }
  return result('', stderr, stderr ? 32 : 0);
};

/** `glusterfs --version` (installed on computes only). */
export const glusterfsCommand: LabCommand = (ctx, args) => {
  if (args.includes('--version') || args.includes('-V')) return result(glusterVersionText(ctx.node.glusterVersion));
  return failure('glusterfs: the lab answers only --version\n', 1);
};

const echo: LabCommand = (_ctx, args) => {
  const noNewline = args[0] === '-n';
  const words = noNewline ? args.slice(1) : args;
  return result(words.join(' ') + (noNewline ? '' : '\n'));
};

/** systemctl is-active|start|stop|restart UNIT: glusterd follows the node's state; other units are active. */
const systemctl: LabCommand = (ctx, args) => {
  const [verb, ...units] = args.filter((a) => !a.startsWith('-'));
  const isGlusterd = (u: string) => u === 'glusterd' || u === 'glusterd.service';
  if (verb === 'is-active') {
    const states = units.map((u) => {
      if (isGlusterd(u)) return ctx.node.glusterInstalled && ctx.node.glusterdUp ? 'active' : 'inactive';
      return KNOWN_UNITS[ctx.node.isCompute ? 'compute' : 'control'].includes(u.replace(/\.service$/, '')) ? 'active' : 'inactive';
    });
    return result(states.map((s) => s + '\n').join(''), '', states.every((s) => s === 'active') ? 0 : 3);
  }
  if (verb === 'start' || verb === 'stop' || verb === 'restart') {
    for (const u of units) {
      if (!isGlusterd(u) || !ctx.node.glusterInstalled) return failure(`Failed to ${verb} ${u}: Unit ${u.replace(/\.service$/, '')}.service not found.\n`, 5);
      if (verb !== 'start') setGlusterd(ctx.state, ctx.node, false, ctx.now);
      if (verb !== 'stop') setGlusterd(ctx.state, ctx.node, true, ctx.now);
    }
    return result('');
  }
  return failure(`Unknown command verb ${verb ?? ''}.\n`, 1);
};

const KNOWN_UNITS = {
  compute: ['nova-compute', 'libvirtd', 'ssh'],
  control: ['nova-api', 'nova-scheduler', 'nova-conductor', 'apache2', 'mariadb', 'rabbitmq-server', 'ssh'],
};

/** dpkg-query -W [-f FORMAT] PACKAGE...: Debian 12's glusterfs packages on computes. */
const dpkgQuery: LabCommand = (ctx, args) => {
  let format = '${Package}\t${Version}\n';
  const pkgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-f' || a === '--showformat') format = args[++i] ?? format;
    else if (a.startsWith('--showformat=')) format = a.slice(13);
    else if (a !== '-W' && a !== '--show') pkgs.push(a);
  }
  const installed: Record<string, string> = ctx.node.glusterInstalled
    ? Object.fromEntries(['glusterfs-server', 'glusterfs-client', 'glusterfs-common'].map((p) => [p, `${ctx.node.glusterVersion}-5`]))
    : { 'python3-novaclient': '2:18.1.0-1', 'python3-openstackclient': '6.0.0-4' };
  if (ctx.node.isCompute) installed['nova-compute'] = '2:26.1.0-1';
  let stdout = '';
  let stderr = '';
  for (const p of pkgs) {
    const version = installed[p];
    if (version === undefined) stderr += `dpkg-query: no packages found matching ${p}\n`;
    else stdout += format.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\$\{Package\}/g, p).replace(/\$\{Version\}/g, version).replace(/\$\{(db:)?Status(-Abbrev)?\}/g, (m) => (m.includes('Abbrev') ? 'ii ' : 'install ok installed'));
  }
  return result(stdout, stderr, stderr ? 1 : 0);
};

const hostname: LabCommand = (ctx, args) => {
  if (args.includes('-f') || args.includes('--fqdn')) return result(`${ctx.node.fqdn}\n`);
  if (args.includes('-i') || args.includes('-I')) return result(`${ctx.node.ip}\n`);
  return result(`${ctx.node.name}\n`);
};

/** The host commands every node has, by name. */
export const HOST_COMMANDS: Record<string, LabCommand> = {
  findmnt,
  mount,
  umount,
  echo,
  true: () => result(''),
  false: () => result('', '', 1),
  systemctl,
  'dpkg-query': dpkgQuery,
  hostname,
};
