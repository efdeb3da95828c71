/**
 * GlusterAdmin: the gluster commands that change the trusted pool or a volume
 * (peer probe, volume create / start / stop). Each hands back gluster's own
 * answer word for word, so a refusal reaches the user as the CLI said it
 * (shared/fixtures/gluster/setup). Reads stay in GlusterOps (gluster.ts).
 */
import { BRICK_PATH, HOST_NAME } from '../arg-schemas.js';
import { ClusterError, NotFoundError, UsageError } from '../errors.js';
import type { ExecResult, Ssh } from '../ssh/types.js';
import { assertVolumeName } from './gluster.js';
import { glusterErrorFromText } from './gluster-errors.js';
import { parseOpResult } from './gluster-text.js';


/** gluster's answer to one mutating command. */
export interface GlusterAnswer {
  ok: boolean;
  /** What the CLI printed, trimmed: `volume create: vm-instances: failed: Volume vm-instances already exists`. */
  text: string;
  /** The typed kind when gluster-errors.ts knows the sentence (`volume-exists`, `peer-unreachable`, ...). */
  kind: string | null;
  node: string;
  argv: string[];
}

/** A brick as `host:/path`, with the ferry node it lives on. */
export interface BrickSpec {
  node: string;
  fqdn: string;
  path: string;
}

/** `compute01.stack:/gluster/instances` */
export const brickName = (b: Pick<BrickSpec, 'fqdn' | 'path'>) => `${b.fqdn}:${b.path}`;

/** Throws a UsageError unless `path` is a brick directory ferry will put on a command line. */
export function assertBrickPath(path: string): void {
  if (!BRICK_PATH.test(path)) throw new UsageError(`brick: ${JSON.stringify(path)} is not an absolute directory path (letters, digits, '.', '_', '-' between slashes)`);
}

/** The compute node of ferry.yml known by `host` (its node name or its fqdn), if any. */

/** The argv of each operation: built here only, shown to approvers and run as shown. */
export const glusterArgv = {
  probe: (fqdn: string) => ['gluster', 'peer', 'probe', fqdn],
  // --mode=script: with no terminal to answer gluster's y/n questions (replica 2, stop) nothing would happen.
  create: (volume: string, replica: number, bricks: BrickSpec[], force: boolean) => [
    'gluster', '--mode=script', 'volume', 'create', volume, 'replica', String(replica), ...bricks.map(brickName), ...(force ? ['force'] : []),
  ],
  start: (volume: string) => ['gluster', 'volume', 'start', volume],
  stop: (volume: string) => ['gluster', '--mode=script', 'volume', 'stop', volume],
};

/** The mutating gluster operations, each run on one node (a ferry.yml node name). */
export class GlusterAdmin {
  constructor(private readonly ssh: Ssh) {}

  /** `gluster peer probe FQDN` on `node`: adds FQDN's glusterd to `node`'s pool. */
  probe(node: string, fqdn: string): Promise<GlusterAnswer> {
    if (!HOST_NAME.test(fqdn)) throw new UsageError(`host: ${JSON.stringify(fqdn)} is not a host name`);
    return this.run(node, glusterArgv.probe(fqdn));
  }

  /** `gluster --mode=script volume create VOL replica N BRICK... [force]` on `node`. */
  createVolume(node: string, volume: string, replica: number, bricks: BrickSpec[], force: boolean): Promise<GlusterAnswer> {
    assertVolumeName(volume);
    if (!Number.isInteger(replica) || replica < 2) throw new UsageError(`replica: expected a whole number >= 2, got ${replica}`);
    for (const b of bricks) {
      assertBrickPath(b.path);
      if (!HOST_NAME.test(b.fqdn)) throw new UsageError(`brick host: ${JSON.stringify(b.fqdn)} is not a host name`);
    }
    return this.run(node, glusterArgv.create(volume, replica, bricks, force));
  }

  /** `gluster volume start VOL` on `node`. */
  startVolume(node: string, volume: string): Promise<GlusterAnswer> {
    assertVolumeName(volume);
    return this.run(node, glusterArgv.start(volume));
  }

  /** `gluster --mode=script volume stop VOL` on `node`. */
  stopVolume(node: string, volume: string): Promise<GlusterAnswer> {
    assertVolumeName(volume);
    return this.run(node, glusterArgv.stop(volume));
  }

  /** systemd's word for glusterd on `node` (`active`, `inactive`, `failed`, ...). */
  async glusterdState(node: string): Promise<string> {
    const r = await this.ssh.exec(node, ['systemctl', 'is-active', 'glusterd']);
    return r.stdout.trim() || 'unknown';
  }

  /**
   * Runs one command and reads its one-line answer. A glusterd that is not
   * running is not an answer about the operation: it is thrown (typed), like
   * transport errors; every other refusal comes back with ok: false.
   */
  private async run(node: string, argv: string[]): Promise<GlusterAnswer> {
    const r = await this.ssh.exec(node, argv);
    const text = answerText(r);
    const known = glusterErrorFromText(text, node);
    if (r.exitCode !== 0 && known instanceof ClusterError && known.kind === 'glusterd-down') throw known;
    let ok = r.exitCode === 0;
    if (ok) {
      try {
        ok = parseOpResult(text).ok;
      } catch {
        // An answer we cannot parse but exit 0: gluster did it.
      }
    }
    const kind = known instanceof ClusterError ? known.kind : known instanceof NotFoundError ? 'not-found' : null;
    return { ok, text, kind, node, argv };
  }
}

/** The CLI's answer: its stdout and stderr, blank lines and the y/n prompt's trailing space dropped. */
function answerText(r: ExecResult): string {
  return [r.stdout, r.stderr].map((s) => s.trim()).filter(Boolean).join('\n') || `exit ${r.exitCode ?? r.signal}`;
}
