/**
 * What to say about an instances mount that is listed but answers every access
 * with `Transport endpoint is not connected` (ENOTCONN). Two causes show that:
 * the node's glusterfs client process is gone (killed, OOM, crashed), or the
 * volume is stopped so no brick answers (real/gluster-10.3/volume-stopped/ls-mount;
 * that mount comes back by itself once the volume starts).
 */
import { ClusterError } from '../errors.js';
import type { Answer } from './answer.js';
import type { MountStatus } from './gluster-types.js';

/** The sentence and the way out for a not-connected mount on `node`. */
export function notConnectedMount(node: string, mount: MountStatus, volume: string, status: Answer<unknown> | undefined): { detail: string; hint: string } {
  const mountPoint = mount.target;
  const said = `stat ${mountPoint}: Transport endpoint is not connected`;
  if (status && !status.ok && status.error instanceof ClusterError && status.error.kind === 'volume-not-started') {
    return {
      detail: `${said}: volume ${volume} is not started, so no brick answers; instances on ${node} have no disks`,
      hint: `Start the volume (gluster volume start ${volume}); the mount reconnects by itself.`,
    };
  }
  return {
    detail: `dead FUSE mount (${said}): the glusterfs client on ${node} is gone; instances running there have lost their disks`,
    hint: `On ${node}: umount -l ${mountPoint} && mount -t glusterfs ${mount.source ?? `localhost:/${volume}`} ${mountPoint}; see why the client died in ${clientLog(mountPoint)}; then hard-reboot the instances that ran there (their open disks still point at the dead mount).`,
  };
}

/** The FUSE client's log: mount.glusterfs names it after the mount point (`/var/lib/nova/instances` → var-lib-nova-instances.log). */
export function clientLog(mountPoint: string): string {
  return `/var/log/glusterfs/${mountPoint.replace(/^\/+/, '').replace(/\//g, '-')}.log`;
}
