/** Known live-migration failures turned into plain advice for the person on call. */

interface Advice {
  re: RegExp;
  advice: string;
}

const KNOWN: Advice[] = [
  {
    re: /Unsafe migration|cache != none/i,
    advice:
      'libvirt refused: the disks use a cache mode other than none. Set [libvirt] disk_cachemodes = "file=none" in nova.conf on the compute nodes, or add VIR_MIGRATE_UNSAFE to live_migration_flag, restart nova-compute, then retry.',
  },
  {
    re: /Compute service of \S+ is unavailable|is not up|service is down|Connection refused|host.*down/i,
    // The conductor says this of the source too (capture nova-live-migration-from-down-host).
    advice:
      'The compute host named above is down or its nova-compute is not running: check `systemctl status nova-compute` there. If it is the target, pick another; if it is the source, nothing can be live-migrated off it until it is back.',
  },
  {
    re: /No valid host/i,
    advice: 'The scheduler found no host that fits (RAM, vCPU, disk or filters): pick a target with room, or free some on it.',
  },
  {
    re: /shared storage|not on shared storage|InvalidSharedStorage/i,
    advice: 'nova does not see shared storage between source and target: check that the instances directory is the gluster mount on both.',
  },
  {
    re: /was aborted \(nova recorded it cancelled\)/,
    advice: 'Aborted on request (/migrate abort or nova live-migration-abort): the instance stays where it was. Migrate it again when you want it moved.',
  },
  {
    re: /timed out|Timeout/i,
    advice: 'The migration timed out: the instance may dirty memory faster than the network copies it. Retry at a quieter time, or enable auto-converge / post-copy.',
  },
];

/** Plain advice for an error text; a generic next step when the error is not known. */
export function adviceFor(message: string): string {
  return (
    KNOWN.find((k) => k.re.test(message))?.advice ??
    'Look at `nova instance-action-list INSTANCE` and `nova migration-list`, and at nova-compute.log on the source and the target.'
  );
}
