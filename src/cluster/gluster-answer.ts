/**
 * What one run of the gluster CLI answered, read the way real gluster 10.3
 * answers (real/gluster-10.3/INDEX.md): the exit code does not tell success
 * from failure. `--xml` refusals exit 0 with `<opRet>-1</opRet>`; `volume
 * status` without a volume exits 0 with a lone space on stdout and the reason
 * on stderr; `No volumes present` comes on stderr with exit 0; glusterd down
 * prints plain text on stdout even with `--xml`.
 */
import { ClusterError, RemoteCommandError } from '../errors.js';
import type { ExecResult } from '../ssh/types.js';
import { glusterErrorFromText, isUnparsable } from './gluster-errors.js';

/** The parts of an ExecResult these readers need. */
export type GlusterRun = Pick<ExecResult, 'host' | 'argv' | 'exitCode' | 'stdout' | 'stderr'>;

/**
 * The value of a `gluster --xml` run; undefined when the output is no usable
 * cliOutput document (an old gluster, a command that ignores --xml): ask the
 * plain form then. Refusals (opRet -1) and known error texts throw typed.
 */
export function readXml<T>(r: GlusterRun, fromXml: (xml: string, host?: string) => T): T | undefined {
  if (r.stdout.includes('<cliOutput')) {
    try {
      return fromXml(r.stdout, r.host);
    } catch (err) {
      if (!isUnparsable(err)) throw err;
      return undefined;
    }
  }
  raiseKnown(r);
  return undefined;
}

/** The value of a plain `gluster` run, or its typed error. */
export function readText<T>(r: GlusterRun, fromText: (stdout: string) => T): T {
  check(r);
  return withHost(r.host, () => fromText(r.stdout));
}

/** Throws the typed error for a failed command: known gluster text, else RemoteCommandError. */
export function check(r: GlusterRun): void {
  if (r.exitCode === 0 && !saysNothing(r)) return;
  fail(r);
}

export function fail(r: GlusterRun): never {
  raiseKnown(r);
  throw new RemoteCommandError(r.host, [...r.argv], r.exitCode, r.stderr || r.stdout);
}

/** Exit 0 with nothing but blanks on stdout and a reason on stderr (volume status of a stopped or locked volume). */
function saysNothing(r: GlusterRun): boolean {
  return r.stdout.trim() === '' && r.stderr.trim() !== '' && glusterErrorFromText(r.stderr) !== null;
}

function raiseKnown(r: GlusterRun): void {
  if (r.exitCode === 0 && !/Connection failed\./.test(r.stdout) && !saysNothing(r)) return;
  const known = glusterErrorFromText(`${r.stderr}\n${r.stdout}`, r.host);
  if (known) throw known;
}

/** Parser errors carry no host; name the node in them. */
export function withHost<T>(node: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isUnparsable(err) && err.host === undefined) throw new ClusterError(`${node}: ${err.message}`, err.kind, node);
    throw err;
  }
}
