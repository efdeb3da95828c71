import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab } from '../src/lab/lab.js';
import { ferry } from './support/ferry-cli.js';

let dir: string;
let lab: Lab;
let labYml: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-config-check-'));
  lab = await startLab({ dir, computes: 2, instances: 1 });
  labYml = await readFile(lab.configPath, 'utf8');
});
afterAll(async () => {
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The lab's ferry.yml with `edit` applied, written beside it (so its relative paths still hold). */
async function variant(name: string, edit: (text: string) => string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, edit(labYml));
  return file;
}

/** A line of the --connect table by its first cell, split on runs of spaces. */
function row(stdout: string, node: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${node} `));
  if (!line) throw new Error(`no row for ${node} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

describe('ferry config check', () => {
  test('a misspelt key, an unknown top-level key and missing key files are errors, one line each, with no stack trace', async () => {
    const file = await variant('typos.yml', (t) =>
      t.replace('commandTimeoutMs', 'comandTimeoutMs').replace(/^roles:/m, 'rolez:').replace('./id_ed25519', '/nonexistent/id_ed25519').replace('./known_hosts', '/nonexistent/known_hosts'),
    );
    const { code, stdout, stderr } = await ferry(['config', 'check', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n').slice(1, -1)).toEqual([
      '  ssh.comandTimeoutMs: unknown key; did you mean commandTimeoutMs?',
      '  rolez: unknown key; did you mean roles?',
      '  ssh.key: /nonexistent/id_ed25519 does not exist',
      '  ssh.knownHosts: /nonexistent/known_hosts does not exist',
    ]);
  });

  test('a public key given as ssh.key is an error', async () => {
    const pub = await ferry(['config', 'check', await variant('pubkey.yml', (t) => t.replace('./id_ed25519', './id_ed25519.pub'))]);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toBe(`ferry: invalid configuration:\n  ssh.key: ${path.join(dir, 'id_ed25519.pub')} is a public key; ssh.key must name the private key\n`);
  });

  test('a node that known_hosts pins no key for is an error', async () => {
    await writeFile(path.join(dir, 'known_hosts.partial'), (await readFile(path.join(dir, 'known_hosts'), 'utf8')).split('\n').slice(0, 2).join('\n') + '\n');
    const partial = await ferry(['config', 'check', await variant('partial.yml', (t) => t.replace('./known_hosts', './known_hosts.partial'))]);
    expect(partial.code).toBe(2);
    const port = lab.nodes.find((n) => n.name === 'compute02')!.port;
    expect(partial.stderr).toBe(`ferry: invalid configuration:\n  ssh.knownHosts: ${path.join(dir, 'known_hosts.partial')} has no key for compute02 ([127.0.0.1]:${port}); ferry refuses to connect to it\n`);
  });

  test('a YAML syntax error names the real file, line and column, with no dangling colon', async () => {
    const file = path.join(dir, 'broken.yml');
    await writeFile(file, 'nodes: [\n  a: b\n');
    const { code, stderr } = await ferry(['config', 'check', file]);
    expect(code).toBe(2);
    expect(stderr).toBe(`ferry: invalid configuration:\n  ${file}:3:1: deficient indentation\n`);
  });

  test('--connect reaches every node with the pinned key and finds gluster, nova, the openrc and nova.conf', async () => {
    const { code, stdout } = await ferry(['config', 'check', lab.configPath, '--connect']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^config OK: control and 2 compute node\(s\)/);
    expect(stdout).toContain('Verdict: OK');
    expect(row(stdout, 'control')).toEqual(['control', expect.stringMatching(/^stack@127\.0\.0\.1:\d+$/), 'ok', expect.stringMatching(/^pinned SHA256:/), '-', expect.stringMatching(/^nova answered \(\d+ services\)$/), 'sourced', '-']);
    expect(row(stdout, 'compute02')).toEqual(['compute02', expect.stringMatching(/^root@127\.0\.0\.1:\d+$/), 'ok', expect.stringMatching(/^pinned SHA256:/), 'glusterfs 10.3', '-', '-', 'readable']);
  });

  test('--connect shows a node that is down and an openrc that does not exist, and exits 1', async () => {
    const file = await variant('no-openrc.yml', (t) => t.replace('/root/openrc', '/root/no-such-openrc'));
    await lab.fault('compute02', 'down');
    try {
      const { code, stdout } = await ferry(['config', 'check', file, '--connect']);
      expect(code).toBe(1);
      expect(stdout).toContain('Verdict: FAIL');
      expect(stdout).toContain('  - control: openstack.openrc /root/no-such-openrc does not exist on control (control.stack)\n');
      expect(stdout).toMatch(/ {2}- compute02: SSH: compute02 is unreachable: /);
      expect(row(stdout, 'control').slice(2)).toEqual(['ok', expect.stringMatching(/^pinned/), '-', 'not checked', 'missing', '-']);
      expect(row(stdout, 'compute01').slice(2)).toEqual(['ok', expect.stringMatching(/^pinned/), 'glusterfs 10.3', '-', '-', 'readable']);
      expect(row(stdout, 'compute02').slice(2)).toEqual(['unreachable', 'not checked', 'not checked', '-', '-', 'not checked']);
    } finally {
      await lab.fault('compute02', 'up');
    }
  });
});
