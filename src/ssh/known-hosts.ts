/**
 * OpenSSH known_hosts: parsing, lookup by (host, port), and fingerprints.
 *
 * Supported, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it:
 * - comma lists of patterns, `*` and `?` wildcards, `!negated` patterns;
 * - `[host]:port` for ports other than 22 (port 22 is looked up as plain `host`);
 * - hashed names `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`;
 * - `@revoked` lines (a key listed there is refused even if also listed as valid);
 * - `@cert-authority` lines are skipped: ferry pins plain host keys, not certificates.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field as written (comma list or a hashed name). */
  hosts: string;
  /** Key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob (SSH wire format), decoded from base64. */
  key: Buffer;
}

/** The keys known_hosts lists for one (host, port). */
export interface HostKeys {
  /** Keys accepted for the host. */
  keys: KnownHostEntry[];
  /** Keys explicitly revoked (matched regardless of host name). */
  revoked: KnownHostEntry[];
}

/** Parses known_hosts text; blank, comment and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // an unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, keyText] = fields;
    if (!hosts || !keyType || !keyText || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyText)) return;
    entries.push({ line: i + 1, marker, hosts, keyType, key: Buffer.from(keyText, 'base64') });
  });
  return entries;
}

/** The name known_hosts uses for a host and port: `host` for 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * The keys listed for (host, port). `@revoked` entries are returned apart (and
 * apply whatever their host field says); `@cert-authority` entries are left out.
 */
export function lookupHostKeys(entries: readonly KnownHostEntry[], host: string, port = 22): HostKeys {
  const name = knownHostsName(host, port);
  const keys: KnownHostEntry[] = [];
  const revoked: KnownHostEntry[] = [];
  for (const e of entries) {
    if (e.marker === 'revoked') revoked.push(e);
    else if (e.marker === null && hostFieldMatches(e.hosts, name)) keys.push(e);
  }
  return { keys, revoked };
}

/**
 * The host-key algorithms to offer for the pinned keys, so the server shows the
 * key we hold: ssh2 prefers ed25519, and a host pinned by its ecdsa or rsa key
 * (older ssh-keyscan output) would otherwise look changed. Empty: no preference.
 */
export function hostKeyAlgorithms(keys: readonly KnownHostEntry[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    if (k.keyType === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => out.add(a));
    else out.add(k.keyType);
  }
  return [...out];
}

/** Whether a presented key blob is accepted: listed for the host and not revoked. */
export function isKeyAccepted(known: HostKeys, presented: Buffer): boolean {
  const same = (e: KnownHostEntry) => e.key.equals(presented);
  return !known.revoked.some(same) && known.keys.some(same);
}

/** OpenSSH-style SHA256 fingerprint of a key blob: `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** A known_hosts line for a host, a port and an OpenSSH public key (`ssh-ed25519 AAAA... comment`). */
export function knownHostsLine(host: string, port: number, publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  if (!type || !blob) throw new Error('expected an OpenSSH public key: "TYPE BASE64 [comment]"');
  return `${knownHostsName(host, port)} ${type} ${blob}`;
}

/** A hashed host field for a name (`|1|salt|hash`), as `ssh-keygen -H` writes it. */
export function hashHostName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/**
 * Whether a host field matches a name. A negated pattern that matches makes the
 * whole line not match, whatever else matched (OpenSSH's rule).
 */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

function hashedMatches(field: string, name: string): boolean {
  const [, , saltText, hashText] = field.split('|');
  if (!saltText || !hashText) return false;
  const want = Buffer.from(hashText, 'base64');
  const got = createHmac('sha1', Buffer.from(saltText, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** `*` and `?` globbing, case-insensitive like host names. */
function wildcardMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}
