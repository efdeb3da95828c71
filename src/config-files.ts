/**
 * The local files ferry.yml names, checked before anything opens them: the SSH
 * private key (exists, readable, a private key without a passphrase) and
 * known_hosts (exists, readable). One problem line each, naming the key, in the
 * style of the schema's lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type ssh2 from 'ssh2';

// ssh2's key parser alone (it is what ssh2.utils.parseKey exports): all of ssh2, client,
// server and crypto, would otherwise load with every ferry.yml, `ferry run "/ferry help"` included.
// …and only when a key is checked: `/ferry help` and the lab read no key.
const parseKey: typeof ssh2.utils.parseKey = (bytes) => (createRequire(import.meta.url)('ssh2/lib/protocol/keyParser.js') as Pick<typeof ssh2.utils, 'parseKey'>).parseKey(bytes);

const ERRNO: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'is not readable (permission denied)',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'does not exist (a part of the path is not a directory)',
};

/** Problems with `ssh.key` and `ssh.knownHosts` as written in ferry.yml (relative to `baseDir`); [] when both are usable. */
export function sshFileProblems(ssh: { key?: unknown; knownHosts?: unknown }, baseDir: string): string[] {
  const problems: string[] = [];
  if (typeof ssh.key === 'string' && ssh.key !== '') {
    const file = path.resolve(baseDir, ssh.key);
    const read = readLocal(file);
    if (typeof read === 'string') problems.push(`ssh.key: ${file} ${read}`);
    else {
      const why = privateKeyProblem(read);
      if (why) problems.push(`ssh.key: ${file} ${why}`);
    }
  }
  if (typeof ssh.knownHosts === 'string' && ssh.knownHosts !== '') {
    const file = path.resolve(baseDir, ssh.knownHosts);
    const read = readLocal(file);
    if (typeof read === 'string') problems.push(`ssh.knownHosts: ${file} ${read}`);
  }
  return problems;
}

/** The file's bytes, or what is wrong with it in words. */
function readLocal(file: string): Buffer | string {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return ERRNO[code] ?? `cannot be read (${code || String(err)})`;
  }
}

function privateKeyProblem(bytes: Buffer): string | undefined {
  const key = parseKey(bytes);
  if (key instanceof Error) {
    if (/passphrase/i.test(key.message)) return 'is protected by a passphrase; ferry needs a key it can use unattended';
    return `is not a private key ssh2 can read (${key.message})`;
  }
  const first = Array.isArray(key) ? key[0] : key;
  if (!first?.isPrivateKey()) return 'is a public key; ssh.key must name the private key';
  return undefined;
}
