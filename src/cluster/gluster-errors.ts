/**
 * Turns gluster's error texts into typed errors. The same sentences come back
 * on stderr of the plain CLI, on stdout (glusterd down, heal failures), and in
 * `<opErrstr>` of the XML form, so both parsers and GlusterOps share this table.
 */
import { ClusterError, NotFoundError } from '../errors.js';

/** The `kind` of every ClusterError raised for gluster output. */
export type GlusterErrorKind =
  | 'volume-not-started'
  | 'glusterd-down'
  | 'busy'
  | 'volume-exists'
  | 'already-started'
  | 'peer-unreachable'
  | 'root-partition'
  | 'not-replicated'
  | 'gluster-error'
  | 'unparsable';

interface Rule {
  re: RegExp;
  make: (m: RegExpMatchArray, host: string | undefined) => Error;
}

const cluster = (kind: GlusterErrorKind) => (m: RegExpMatchArray, host: string | undefined) =>
  new ClusterError(m[0], kind, host);

const RULES: Rule[] = [
  // setup/volume-status-nosuchvol.stderr.txt and its XML twin (opErrstr).
  { re: /Volume (\S+) does not exist/, make: (m) => new NotFoundError(`gluster volume ${m[1]} does not exist`) },
  // real/gluster-10.3/setup/volume-info-nosuchvol.xml: opErrno 30806, no name in opErrstr.
  { re: /^Volume does not exist$/m, make: () => new NotFoundError('gluster volume does not exist') },
  // volume-stopped/volume-status*.stderr.txt
  { re: /Volume (\S+) is not started/, make: cluster('volume-not-started') },
  // volume-stopped/heal-info*: glfsheal cannot load the client graph of a stopped
  // volume. Inferred from that capture: the same text could in principle mean
  // glusterd refused the volfile for another reason, the message is kept as is.
  { re: /(\S+): Not able to fetch volfile from glusterd/, make: cluster('volume-not-started') },
  // Printed by the CLI itself (stdout, exit 1) when the local glusterd is not running.
  { re: /Connection failed\. Please check if gluster daemon is operational\./, make: cluster('glusterd-down') },
  { re: /Another transaction is in progress[^\n]*|Locking failed on [^\n]*/, make: cluster('busy') },
  { re: /Volume (\S+) already exists/, make: cluster('volume-exists') },
  { re: /Volume (\S+) already started/, make: cluster('already-started') },
  { re: /Probe returned with [^\n]*/, make: cluster('peer-unreachable') },
  { re: /The brick \S+ is being created in the root partition\./, make: cluster('root-partition') },
  // `heal info` on a plain distribute volume (from gluster's CLI source; not captured).
  { re: /Volume (\S+) is not of type replicate\/disperse/, make: cluster('not-replicated') },
];

/**
 * The typed error for a gluster error text, or null when the text is not one
 * we recognise (the caller then reports the raw command failure).
 */
export function glusterErrorFromText(text: string, host?: string): Error | null {
  for (const rule of RULES) {
    const m = text.match(rule.re);
    if (m) return rule.make(m, host);
  }
  return null;
}

/** glusterd's transaction lock was busy (after GlusterOps' retries): the state is unknown, not bad. */
export function isBusy(err: unknown): err is ClusterError {
  return err instanceof ClusterError && err.kind === 'busy';
}

/** A parser was handed output it does not understand. GlusterOps falls back to the text form on this. */
export function unparsable(what: string, detail: string, host?: string): ClusterError {
  return new ClusterError(`could not parse ${what}: ${detail}`, 'unparsable', host);
}

/** True for the error `unparsable` builds. */
export function isUnparsable(err: unknown): err is ClusterError {
  return err instanceof ClusterError && err.kind === 'unparsable';
}
