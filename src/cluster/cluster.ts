/** Everything a command may do to the cluster, built once from the config and the SSH layer. */
import type { Config } from '../config.js';
import type { Ssh } from '../ssh/types.js';
import { GlusterOps } from './gluster.js';
import { NovaOps } from './nova.js';
import { wholeOutputOnly } from './whole-output.js';

export interface Cluster {
  config: Config;
  ssh: Ssh;
  gluster: GlusterOps;
  nova: NovaOps;
}

/** Every command of the cluster goes through `ssh`, which refuses output the cap cut (whole-output.ts). */
export function createCluster(raw: Ssh, config: Config): Cluster {
  const ssh = wholeOutputOnly(raw, config);
  return { config, ssh, gluster: new GlusterOps(ssh, config), nova: new NovaOps(ssh, config) };
}
