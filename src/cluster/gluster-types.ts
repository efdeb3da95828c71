/**
 * Typed results of the gluster read commands. The XML parsers (gluster-xml.ts)
 * and the plain-text parsers (gluster-text.ts) both produce these, so a caller
 * never knows which form the node answered in.
 */

/** `glusterfs 10.3` → { major: 10, minor: 3, patch: 0 }. */
export interface GlusterVersion {
  /** The version as printed, e.g. `10.3` or `3.12.15`. */
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** One member of the trusted pool, as `peer status` or `pool list` reports it. */
export interface Peer {
  hostname: string;
  uuid: string;
  /** glusterd's peer state (`Peer in Cluster`, `Peer Rejected`, ...); null where the command does not say (pool list text, the local node). */
  state: string | null;
  connected: boolean;
  /** The node the command ran on (pool list names it `localhost`). */
  self: boolean;
  /** Further names or addresses glusterd knows the peer by. */
  otherNames: string[];
}

/** `volume list`. */
export type VolumeList = string[];

/** A brick as `volume info` lists it (configuration, not liveness). */
export interface VolumeInfoBrick {
  /** `compute01.stack:/gluster/instances` */
  name: string;
  host: string;
  path: string;
  arbiter: boolean;
  /** glusterd's uuid of the brick's node; null in the plain text form. */
  hostUuid: string | null;
}

/** `volume info VOL`. */
export interface VolumeInfo {
  name: string;
  id: string;
  /** `Replicate`, `Distributed-Replicate`, `Disperse`, ... */
  type: string;
  /** `Created`, `Started` or `Stopped`. */
  status: string;
  started: boolean;
  snapshotCount: number | null;
  brickCount: number;
  /** Number of replica sets / subvolumes; null when the text form does not say. */
  distCount: number | null;
  /** Copies per replica set, arbiter included (3 for `1 x (2 + 1) = 3`); null for pure distribute. */
  replicaCount: number | null;
  arbiterCount: number;
  disperseCount: number;
  redundancyCount: number;
  /** `tcp`, `rdma` or `tcp,rdma`. */
  transport: string;
  bricks: VolumeInfoBrick[];
  /** Options Reconfigured, in CLI order. */
  options: Record<string, string>;
}

/** Filesystem figures of a brick from `volume status VOL detail`. */
export interface BrickDetail {
  fsType: string | null;
  device: string | null;
  mountOptions: string | null;
  /** Text as gluster prints it (`N/A` on ext4 → null). */
  inodeSize: string | null;
  /** Exact in XML; from the text form these are rounded (`230.3GB`). */
  sizeTotalBytes: number | null;
  sizeFreeBytes: number | null;
  inodesTotal: number | null;
  inodesFree: number | null;
}

/** A brick process as `volume status` reports it. */
export interface Brick {
  /** `compute01.stack:/gluster/instances` */
  name: string;
  host: string;
  path: string;
  online: boolean;
  /** null when offline (text `N/A`, XML `-1`). */
  pid: number | null;
  /** null when offline (`N/A`). */
  port: number | null;
  /** null when the volume has no RDMA transport (text prints `0`, XML `N/A`). */
  rdmaPort: number | null;
  /** glusterd uuid of the brick's node; null in the plain text form. */
  peerId: string | null;
  /** Present only for `volume status VOL detail`. */
  detail?: BrickDetail;
}

/** A volume daemon row (`Self-heal Daemon on compute02.stack`, NFS Server, Quota Daemon, ...). */
export interface DaemonStatus {
  /** `Self-heal Daemon` */
  name: string;
  /** As gluster prints it: `localhost` for the node the command ran on. */
  host: string;
  online: boolean;
  pid: number | null;
  port: number | null;
  peerId: string | null;
}

/** `volume status VOL [detail]` for one volume. */
export interface VolumeStatus {
  volume: string;
  bricks: Brick[];
  /** Empty for `detail`, which lists bricks only. */
  daemons: DaemonStatus[];
}

/** A file listed by `volume heal VOL info`. */
export interface HealFile {
  /** Path in the volume, or `<gfid:...>` when gluster could not resolve it. */
  path: string;
  /** XML only. */
  gfid: string | null;
  /** Marked ` - Is in split-brain` (the text form only; XML does not mark it). */
  splitBrain: boolean;
  /** Marked ` - Possibly undergoing heal` (text only). */
  possiblyHealing: boolean;
}

/** One brick's block of `volume heal VOL info [summary|split-brain]`. */
export interface HealEntry {
  /** `compute02.stack:/gluster/instances` */
  brick: string;
  host: string;
  path: string;
  /** `Connected`, or why not (`Transport endpoint is not connected`). */
  status: string;
  connected: boolean;
  /** Entries needing heal (info: Number of entries; summary: Total Number of entries); null when the brick could not be asked or the command does not say. */
  pending: number | null;
  /** Entries in split-brain; null when unknown (brick not connected, or XML `info` which does not mark them). */
  splitBrain: number | null;
  /** summary only; null otherwise. */
  possiblyHealing: number | null;
  /** `info` only: the entries listed; empty otherwise. */
  files: HealFile[];
}

/** `findmnt` + `stat` of the instances mount point on one node. */
export interface MountStatus {
  /** The mount point asked about (config.gluster.mountPoint). */
  target: string;
  mounted: boolean;
  /** `fuse.glusterfs` when mounted; null when not. */
  fstype: string | null;
  /** `localhost:vm-instances` */
  source: string | null;
  /** The directory exists (stat succeeded, or the mount is there but dead). */
  exists: boolean;
  /**
   * Mounted but every access fails `Transport endpoint is not connected` (stat's
   * words): the FUSE client is gone or reaches no brick. Instances there have lost their disks.
   */
  notConnected?: boolean;
  owner: string | null;
  group: string | null;
  /** Octal text as stat prints it: `755`. */
  mode: string | null;
}

/** `peer probe`, `volume create|start|stop` one-line answers. */
export interface GlusterOpResult {
  /** `peer probe`, `volume start`, ... */
  op: string;
  volume: string | null;
  ok: boolean;
  /** The text after `success:` / `failed:` (may be empty). */
  message: string;
}
