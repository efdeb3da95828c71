/**
 * nova.conf on a compute node, read with the `ini` library: what decides
 * whether libvirt will live-migrate disks on a FUSE (GlusterFS) mount.
 */
import { parse } from 'ini';
import type { Ssh } from '../ssh/types.js';
import { RemoteCommandError } from '../errors.js';

export const NOVA_CONF = '/etc/nova/nova.conf';

export interface NovaConf {
  liveMigrationFlags: string[];
  /** `disk_cachemodes` entries, e.g. { file: 'none' }. */
  diskCacheModes: Record<string, string>;
  /** `[DEFAULT] max_concurrent_live_migrations`; nova's default is 1. */
  maxConcurrentLiveMigrations: number;
}

export function parseNovaConf(text: string): NovaConf {
  const conf = parse(text) as Record<string, Record<string, string> | undefined>;
  const libvirt = conf.libvirt ?? {};
  const flags = String(libvirt.live_migration_flag ?? '').split(/[,\s]+/).filter(Boolean);
  const diskCacheModes: Record<string, string> = {};
  for (const entry of String(libvirt.disk_cachemodes ?? '').split(',')) {
    const [type, mode] = entry.split('=').map((s) => s.trim());
    if (type && mode) diskCacheModes[type] = mode;
  }
  // A value of 0 means "unlimited" in nova; ferry then keeps to one at a time.
  const max = Number(conf.DEFAULT?.max_concurrent_live_migrations ?? 1);
  return { liveMigrationFlags: flags, diskCacheModes, maxConcurrentLiveMigrations: Number.isInteger(max) && max > 0 ? max : 1 };
}

export async function readNovaConf(ssh: Ssh, node: string): Promise<NovaConf> {
  const r = await ssh.exec(node, ['cat', NOVA_CONF]);
  if (r.exitCode !== 0) throw new RemoteCommandError(node, r.argv, r.exitCode, r.stderr);
  return parseNovaConf(r.stdout);
}

/**
 * Whether libvirt accepts a live migration of disks on shared FUSE storage:
 * only with cache mode none for file disks, or when the operator has allowed
 * unsafe migrations explicitly.
 */
export function migrationCacheSafe(conf: NovaConf): boolean {
  return conf.liveMigrationFlags.includes('VIR_MIGRATE_UNSAFE') || conf.diskCacheModes.file === 'none';
}
