/** Everything a command may do to the cluster, built once from the config and the SSH layer. */
import type { Config } from '../config.js';
import type { Ssh } from '../ssh/types.js';
import { GlusterOps } from './gluster.js';
import { NovaOps } from './nova.js';
import { GlusterAdmin } from './gluster-admin.js';
import { wholeOutputOnly } from './whole-output.js';

// The SSH transport sits under a key only this module names: a command holding a
// Cluster can run the templates of src/cluster, never an argv of its own.
const SSH: unique symbol = Symbol('ssh');

export interface Cluster {
  config: Config;
  gluster: GlusterOps;
  /** gluster's changing commands (probe, volume create/start/stop), validated and read. */
  admin: GlusterAdmin;
  nova: NovaOps;
  readonly [SSH]: Ssh;
}

/** The SSH transport under a cluster, for the templates in src/cluster only (never for commands). */
export function sshOf(cluster: Cluster): Ssh {
  return cluster[SSH];
}

/** Every command of the cluster goes through `ssh`, which refuses output the cap cut (whole-output.ts). */
export function createCluster(raw: Ssh, config: Config): Cluster {
  const ssh = wholeOutputOnly(raw, config);
  return { config, [SSH]: ssh, gluster: new GlusterOps(ssh, config), admin: new GlusterAdmin(ssh), nova: new NovaOps(ssh, config) };
}
