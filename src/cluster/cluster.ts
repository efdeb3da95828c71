/** Everything a command may do to the cluster, built once from the config and the SSH layer. */
import type { Config } from '../config.js';
import type { Ssh } from '../ssh/types.js';
import { GlusterOps } from './gluster.js';
import { NovaOps } from './nova.js';

export interface Cluster {
  config: Config;
  ssh: Ssh;
  gluster: GlusterOps;
  nova: NovaOps;
}

export function createCluster(ssh: Ssh, config: Config): Cluster {
  return { config, ssh, gluster: new GlusterOps(ssh, config), nova: new NovaOps(ssh, config) };
}
