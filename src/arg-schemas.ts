/**
 * What a ferry argument may be, one definition each: the commands' schemas,
 * ferry.yml, and the cluster layer's last check before an argv (nova.ts,
 * gluster.ts, gluster-admin.ts) all use these rules, so they cannot drift apart.
 * Strict where a value reaches a command line; no stricter than the cloud itself.
 */
import * as z from 'zod';

/** An RFC 1123 host name: dot-separated labels of letters, digits and inner '-', 253 characters at most (a dotted IPv4 address matches too). */
export const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Letters, digits, '-' and '_': what gluster accepts as a volume name, and nothing a shell would read. */
export const VOLUME_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A brick directory: absolute, plain path segments only (no `..`, nothing a shell or gluster would read twice). */
export const BRICK_PATH = /^\/(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/**
 * nova's `_is_printable` (nova/api/validation/parameter_types.py): no Unicode category
 * C (control, format, private use, surrogate, unassigned) and no Z but the space separators.
 */
const NOT_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;

/**
 * Why `text` cannot be nova text given as one argv element (an instance name, a
 * service's disabled reason); null when it can. nova takes any printable Unicode
 * up to 255 characters (capture nova-show-unicode's `web-ü-云`; Cyrillic and
 * spaces too), so only what nova or novaclient's argparse would refuse is refused.
 */
function novaTextProblem(text: string, what: string): string | null {
  if (text.trim() === '') return `${what} needs at least one character that is not a space`;
  // JSON Schema's maxLength (nova's 255) counts characters, not UTF-16 units.
  if ([...text].length > 255) return `${what} is at most 255 characters`;
  if (NOT_PRINTABLE.test(text)) return `${what} has no control or other non-printable characters`;
  // novaclient's argparse would read it as an option.
  if (text.startsWith('-')) return `${what} here cannot start with '-'`;
  return null;
}

/** Why `ref` cannot be an instance name or UUID; null when it can. */
export const instanceRefProblem = (ref: string) => novaTextProblem(ref, 'an instance name');

/** Why `reason` cannot be a nova-compute disabled reason; null when it can. */
export const reasonProblem = (reason: string) => novaTextProblem(reason, 'a reason');

/** An instance name (anything nova accepts as a server name) or a UUID. */
export const InstanceRef = z.string({ error: 'expected an instance name or id' }).superRefine((ref, ctx) => {
  const problem = instanceRefProblem(ref);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected an instance name or UUID, got ${JSON.stringify(ref)}: ${problem}` });
});

/** A host name (HOST_NAME). */
export const HostArg = z.string({ error: 'expected a host name' }).regex(HOST_NAME, { error: (i) => `expected a host name, got ${JSON.stringify(i.input)}` });

/** `HOST[,HOST...]`: at least `min` host names. */
export const hostList = (min: number, usage: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((h) => h.trim()).filter(Boolean))
    .pipe(z.array(HostArg).min(min, { error: `expected ${usage}` }));

/** A gluster volume name (VOLUME_NAME). */
export const VolumeArg = z.string().regex(VOLUME_NAME, { error: (i) => `expected a volume name (letters, digits, '-', '_'), got ${JSON.stringify(i.input)}` });

/** A brick directory (BRICK_PATH). */
export const BrickPath = z.string().regex(BRICK_PATH, { error: (i) => `expected an absolute brick directory (letters, digits, '.', '_', '-' between slashes), got ${JSON.stringify(i.input)}` });

/** `host:/path`: the host a node name or fqdn, the path a brick directory. */
export const Brick = z.string().transform((s, ctx) => {
  const i = s.indexOf(':');
  const host = s.slice(0, i);
  const path = s.slice(i + 1);
  if (i < 1 || !HOST_NAME.test(host) || !BRICK_PATH.test(path)) {
    ctx.addIssue({ code: 'custom', message: `expected a brick HOST:/absolute/path, got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return { host, path };
});

/** Why a host is taken out of service (nova's disabled reason). */
export const Reason = z.string().superRefine((reason, ctx) => {
  const problem = reasonProblem(reason);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected 1-255 printable characters, not starting with "-", got ${JSON.stringify(reason)}: ${problem}` });
});

/** An evacuation id as ferry shows it (the approval request's id), with or without `evac-`. */
export const EvacuationId = z
  .string()
  .regex(/^(evac-)?[A-Za-z0-9]{1,32}$/, { error: (i) => `expected an evacuation id like 3fa2b1c9, got ${JSON.stringify(i.input)}` })
  .transform((s) => s.replace(/^evac-/, ''));

/** A migration job id as ferry shows it (`migrate-1a2b3c4d`, an evacuation's `evac-…`), or its 8 hex digits. */
export const MigrationJobId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/, { error: (i) => `expected a migration job id like migrate-1a2b3c4d, got ${JSON.stringify(i.input)}` });
