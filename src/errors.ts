/**
 * Typed errors. Commands and the SSH layer throw these; the dispatcher and the
 * workers turn them into answers a person can act on (see `why` in cluster/storage-health.ts).
 */

/** A bad command line: the user gets the usage and what was wrong; nothing ran. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The user lacks the role (or the channel is not allowed). */
export class ForbiddenError extends Error {
  readonly code = 'forbidden';
  constructor(message: string, readonly needed?: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** A remote command ran but failed (non-zero exit that the operation does not expect). */
export class RemoteCommandError extends Error {
  readonly code = 'remote_command';
  constructor(
    readonly host: string,
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `${argv.join(' ')} on ${host} exited ${exitCode ?? 'by signal'}: ${firstLine(stderr)}`);
    this.name = 'RemoteCommandError';
  }
}

/** The host could not be reached (connection refused, DNS, auth failure, closed). */
export class UnreachableError extends Error {
  readonly code = 'unreachable';
  constructor(readonly host: string, readonly reason: string) {
    super(`${host} is unreachable: ${reason}`);
    this.name = 'UnreachableError';
  }
}

/** The host answered with a key that is not the pinned one, or no key is pinned. */
export class HostKeyError extends Error {
  readonly code = 'host_key';
  constructor(
    readonly host: string,
    readonly presented: string,
    readonly expected: readonly string[],
  ) {
    super(
      expected.length === 0
        ? `host key for ${host} is unknown (presented ${presented}); add it to known_hosts after checking it — refusing to connect`
        : `host key for ${host} CHANGED: presented ${presented}, known_hosts has ${expected.join(', ')} — refusing to connect`,
    );
    this.name = 'HostKeyError';
  }
}

/** A connect or a command took longer than its timeout. */
export class SshTimeoutError extends Error {
  readonly code = 'timeout';
  constructor(readonly host: string, readonly timeoutMs: number, readonly phase: 'connect' | 'command') {
    super(`${host} did not answer within ${timeoutMs} ms (${phase})`);
    this.name = 'SshTimeoutError';
  }
}

/** A command's output went over ssh.maxOutputBytes and was cut: what it said cannot be trusted whole. */
export class TruncatedOutputError extends Error {
  readonly code = 'truncated';
  constructor(readonly host: string, readonly argv: readonly string[], readonly capBytes: number) {
    super(`${argv.join(' ')} on ${host}: the output went over the ${capBytes}-byte cap (ssh.maxOutputBytes) and was cut; ferry does not read a cut answer (raise the cap in ferry.yml)`);
    this.name = 'TruncatedOutputError';
  }
}

/** A cluster object named by the user does not exist (instance, volume, host). */
export class NotFoundError extends Error {
  readonly code = 'not_found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** A name matches several objects; the message lists their ids. */
export class AmbiguousError extends Error {
  readonly code = 'ambiguous';
  constructor(message: string, readonly ids: readonly string[]) {
    super(message);
    this.name = 'AmbiguousError';
  }
}

/** A gluster or nova CLI answered with an error the parser recognised. */
export class ClusterError extends Error {
  readonly code = 'cluster';
  constructor(message: string, readonly kind: string, readonly host?: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** The config file or environment is invalid; one line per problem, naming the key. */
export class ConfigError extends Error {
  readonly code = 'config';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Whether an error is one of ferry's typed errors: an expected failure whose
 * message already says what happened, so a log line needs no stack trace.
 */
export function isExpectedError(err: unknown): err is Error & { code: string } {
  return [UsageError, ForbiddenError, RemoteCommandError, UnreachableError, HostKeyError, SshTimeoutError, TruncatedOutputError, NotFoundError, AmbiguousError, ClusterError, ConfigError].some((E) => err instanceof E);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
