/**
 * Whether a glusterfs mount source (findmnt's SOURCE, or the first field of an
 * fstab line with its options) names the instances volume, served by the pool.
 *
 * What mount.glusterfs accepts (xlators/mount/fuse/utils/mount.glusterfs.in):
 * `SERVERS:VOLUME` split at the last colon; SERVERS may be a comma list;
 * VOLUME may start with `/` and may go on with `/subdir` (a sub-directory
 * mount; `/snaps/...` is a snapshot); `-o transport=rdma` makes it `VOLUME.rdma`;
 * `backup-volfile-servers=h2:h3` lists more servers. The FUSE client shows
 * `FIRST-SERVER:VOLUME[/subdir]` as the source (fuse-bridge.c), so findmnt
 * prints what the runbook typed: `localhost:vm-instances` or `localhost:/vm-instances`.
 *
 * A server ferry cannot tie to the pool (not localhost, not a ferry.yml node,
 * not a name gluster lists for a peer) is reported as not a pool member: a
 * glusterd outside the pool would hand out another cluster's volume of the
 * same name, and instance disks there are not shared with the other nodes.
 * If it is only another name of a member, mounting by the pool's name fixes it.
 */

/** What a mount source names, judged against the volume and the pool. */
export type MountSourceVerdict =
  | { ok: true; servers: string[] }
  /** Names the volume from pool members, but only a sub-directory of it. */
  | { ok: false; level: 'WARN'; reason: string }
  | { ok: false; level: 'FAIL'; reason: string };

export interface MountSourceContext {
  /** The volume the mount must be of. */
  volume: string;
  /** Every name and address a pool member is known by (ferry.yml and gluster's own lists); compared case-insensitively. */
  poolHosts: Iterable<string>;
  /** The mount options (fstab's fourth field), for backup-volfile-servers. */
  options?: string | null;
}

const LOCAL = ['localhost', 'localhost.localdomain', '127.0.0.1', '::1'];

/** Judges `source` (e.g. `localhost:/vm-instances`). */
export function judgeMountSource(source: string | null, ctx: MountSourceContext): MountSourceVerdict {
  const { volume } = ctx;
  const colon = source?.lastIndexOf(':') ?? -1;
  if (!source || colon <= 0) return { ok: false, level: 'FAIL', reason: `mounted from ${source ?? 'nothing'}, not from a gluster server (expected localhost:${volume})` };
  const servers = source.slice(0, colon).split(',').filter(Boolean);
  const path = source.slice(colon + 1).replace(/^\//, '');
  const [first = '', ...rest] = path.split('/');
  const name = first.replace(/\.(tcp|rdma)$/, '');
  if (name !== volume) return { ok: false, level: 'FAIL', reason: `mounted from ${source}, not volume ${volume}` };
  const known = new Set([...LOCAL, ...ctx.poolHosts].map(canonical));
  const backups = backupServers(ctx.options);
  const strangers = [...servers, ...backups].filter((h) => !known.has(canonical(h)));
  if (strangers.length) {
    return {
      ok: false,
      level: 'FAIL',
      reason: `mounted from ${source}${backups.length ? ` (backup-volfile-servers=${backups.join(':')})` : ''}: ${strangers.join(', ')} ${strangers.length > 1 ? 'are' : 'is'} not a member of the gluster pool (neither in ferry.yml nor in gluster pool list), so its ${volume} may be another cluster's`,
    };
  }
  const subdir = rest.filter(Boolean).join('/');
  if (subdir) return { ok: false, level: 'WARN', reason: `mounted from ${source}: only the sub-directory /${subdir} of volume ${volume}; instances are shared only if every node mounts the same one` };
  return { ok: true, servers: [...servers, ...backups] };
}

/** `backup-volfile-servers=h2:h3` (or the old `backupvolfile-server=h2`) in a mount option list. */
function backupServers(options: string | null | undefined): string[] {
  const out: string[] = [];
  for (const opt of (options ?? '').split(',')) {
    const [key, value = ''] = opt.split('=', 2) as [string, string?];
    if (key === 'backup-volfile-servers') out.push(...value.split(':').filter(Boolean));
    if (key === 'backupvolfile-server' && value) out.push(value);
  }
  return out;
}

const canonical = (host: string) => host.toLowerCase().replace(/\.$/, '');

/** The names a pool member goes by: ferry.yml's name, fqdn and SSH host of each node, and every name gluster lists for a peer. */
export function poolHostNames(nodes: { name: string; fqdn?: string; host?: string }[], peers: { hostname: string; otherNames: string[] }[] = []): string[] {
  return [...nodes.flatMap((n) => [n.name, n.fqdn, n.host]), ...peers.flatMap((p) => [p.hostname, ...p.otherNames])].filter((h): h is string => !!h);
}
