/**
 * The SSH layer against a real lab over real SSH: pooling, host-key pinning,
 * timeouts, faults, the output cap, quoting, and OpenSSH interop.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { labCommand } from '../src/cli/lab.js';
import { loadConfigFile, type Config } from '../src/config.js';
import { HostKeyError, SshTimeoutError, UnreachableError } from '../src/errors.js';
import { startLab, type Lab } from '../src/lab/lab.js';
import { generateEd25519 } from '../src/lab/server.js';
import type { LabCall } from '../src/lab/types.js';
import { createSsh } from '../src/ssh/client.js';
import {
  fingerprint,
  hashHostName,
  isKeyAccepted,
  knownHostsName,
  lookupHostKeys,
  parseKnownHosts,
} from '../src/ssh/known-hosts.js';
import { buildCommandLine, quoteArg } from '../src/ssh/quote.js';
import type { Ssh } from '../src/ssh/types.js';

const run = promisify(execFile);
const hasOpenSsh = spawnSync('ssh', ['-V']).status === 0;


let dir: string;
let lab: Lab;
let config: Config;
const opened: Ssh[] = [];

/** A fresh SSH layer (own pool, so connection counts start at zero); closed after all tests. */
function newSsh(overrides: Partial<Config['ssh']> = {}): Ssh {
  const ssh = createSsh({ ...config, ssh: { ...config.ssh, ...overrides } });
  opened.push(ssh);
  return ssh;
}

/** A PID that no longer runs (or is a zombie waiting to be reaped). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function callsOn(node: string): LabCall[] {
  return lab.calls().filter((c) => c.node === node);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-ssh-'));
  lab = await startLab({ dir, computes: 3 });
  config = loadConfigFile({}, lab.configPath);
});

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the connection pool', () => {
  test('a second command to a host opens no new connection', async () => {
    const ssh = newSsh();
    const first = await ssh.exec('control', ['echo', 'one']);
    expect(first).toMatchObject({ host: 'control', exitCode: 0, signal: null, stdout: 'one\n', truncated: false });
    expect(ssh.stats().perHost.control).toEqual({ opened: 1, open: 1 });
    await ssh.exec('control', ['echo', 'two']);
    expect(ssh.stats().perHost.control).toEqual({ opened: 1, open: 1 });
  });

  test('a burst of commands stays within the connection and channel bounds', async () => {
    const ssh = newSsh({ maxConnectionsPerHost: 2, maxChannelsPerConnection: 3 });
    await lab.fault('compute03', 'slow', '100');
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ssh.exec('compute03', ['echo', `n${i}`])));
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}\n`));
      expect(ssh.stats().perHost.compute03!.opened).toBeLessThanOrEqual(2);
    } finally {
      await lab.fault('compute03', 'slow', '0');
    }
  });

  test('a non-zero exit is a result, with stdout and stderr apart', async () => {
    const ssh = newSsh();
    const r = await ssh.exec('compute01', ['no-such-command', 'x']);
    expect(r.exitCode).toBe(127);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/command not found/);
  });

  test('an unknown host name is a clear error', async () => {
    const ssh = newSsh();
    await expect(ssh.exec('compute99', ['echo'])).rejects.toThrow(/unknown host "compute99": not a node in ferry.yml \(control, compute01/);
    await expect(ssh.fanOut(['compute01', 'nope'], ['echo'])).rejects.toThrow(/unknown host "nope"/);
  });

  test('through a jump host, each node is still verified against known_hosts', async () => {
    const control = lab.nodes.find((n) => n.name === 'control')!;
    const ssh = newSsh({ jumpHost: { host: '127.0.0.1', port: control.port, user: 'stack' } });
    const outcomes = await ssh.fanOut(['compute01', 'compute02'], ['echo', 'via-jump']);
    expect(outcomes.map((o) => o.status === 'ok' && o.result.stdout)).toEqual(['via-jump\n', 'via-jump\n']);
    expect(ssh.stats().perHost).toMatchObject({ compute01: { opened: 1 }, compute02: { opened: 1 } });
    // with the jump host down, a node that is up cannot be reached: the traffic really goes through it
    await lab.fault('control', 'down');
    try {
      const viaDownJump = newSsh({ jumpHost: { host: '127.0.0.1', port: control.port, user: 'stack' } });
      await expect(viaDownJump.exec('compute03', ['echo', 'x'])).rejects.toBeInstanceOf(UnreachableError);
    } finally {
      await lab.fault('control', 'up');
    }
  });

  test('the openrc is sourced before the command', async () => {
    const ssh = newSsh();
    await ssh.exec('control', ['echo', 'sourced'], { source: '/root/openrc' });
    const last = callsOn('control').slice(-2).map((c) => c.argv);
    expect(last).toEqual([['.', '/root/openrc'], ['echo', 'sourced']]);
  });
});

describe('shared reads', () => {
  /** Runs of `echo WORD` the lab received on compute02. */
  const runsOf = (word: string) => callsOn('compute02').filter((c) => c.argv.join(' ') === `echo ${word}`);

  /** An SSH layer with one channel to compute02, connected, whose every command the node holds `slowMs`: what follows the first command waits for the channel. */
  async function oneSlowChannel(slowMs: number, body: (ssh: Ssh) => Promise<void>): Promise<void> {
    const ssh = newSsh({ maxConnectionsPerHost: 1, maxChannelsPerConnection: 1 });
    await ssh.exec('compute02', ['echo', 'warm']);
    await lab.fault('compute02', 'slow', String(slowMs));
    try {
      await body(ssh);
    } finally {
      await lab.fault('compute02', 'slow', '0');
    }
  }

  test('identical reads waiting for a channel share one run; one not marked shared runs apart', () =>
    oneSlowChannel(150, async (ssh) => {
      const word = `shared-${randomBytes(4).toString('hex')}`;
      const blocker = ssh.exec('compute02', ['echo', 'blocker']);
      const waiting = [];
      for (let i = 0; i < 5; i++) waiting.push(ssh.exec('compute02', ['echo', word], { shared: true }));
      const lastAsked = Date.now();
      const unshared = ssh.exec('compute02', ['echo', word]);
      const results = await Promise.all([...waiting, unshared, blocker]);
      expect(results.map((r) => r.stdout)).toEqual([...Array<string>(6).fill(`${word}\n`), 'blocker\n']);
      // The five waiting askers shared one run; the unshared asker had its own.
      expect(runsOf(word)).toHaveLength(2);
      // The shared answer was produced after the last of its askers asked.
      expect(runsOf(word)[0]!.at).toBeGreaterThanOrEqual(lastAsked);
    }));

  test('a read asked after an identical one was sent to the node gets a run of its own', () =>
    oneSlowChannel(400, async (ssh) => {
      const word = `sent-${randomBytes(4).toString('hex')}`;
      const blocker = ssh.exec('compute02', ['echo', 'blocker']);
      const first = ssh.exec('compute02', ['echo', word], { shared: true });
      expect(ssh.stats().waiting).toBe(1);
      // The first read gets the channel once the blocker is done; the node then holds it 400 ms.
      for (const deadline = Date.now() + 30_000; ssh.stats().waiting > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setImmediate(r));
      const second = ssh.exec('compute02', ['echo', word], { shared: true });
      await Promise.all([blocker, first, second]);
      expect(runsOf(word)).toHaveLength(2);
    }));

  test('a shared read that fails fails every asker with the same error', () =>
    oneSlowChannel(300, async (ssh) => {
      const blocker = ssh.exec('compute02', ['echo', 'blocker']);
      const reads = Array.from({ length: 3 }, () => ssh.exec('compute02', ['echo', 'never'], { shared: true, timeoutMs: 100 }));
      const settled = await Promise.allSettled(reads);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const s of settled) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(SshTimeoutError);
      await blocker;
    }));
});

describe('quoting', () => {
  const hostile = [
    "'; rm -rf /",
    '$(id)',
    '`id`',
    'a\nb\n',
    `it's "quoted" \\ \\' '' "`,
    'ünïcødé ✓ 日本語 🚀',
    '',
    ' leading and trailing ',
    '$HOME ${PATH} ~root * ? [a] {b,c} | & ; < > ( ) #',
    'a=b',
    '-n',
    'x'.repeat(10 * 1024),
  ];

  test.each(hostile.map((arg) => [arg.length > 40 ? `${arg.slice(0, 20)}… (${arg.length} chars)` : JSON.stringify(arg), arg]))(
    'argument %s arrives as exactly one argv element, byte for byte',
    async (_name, arg) => {
      const ssh = newSsh();
      const r = await ssh.exec('compute02', ['echo', arg]);
      expect(callsOn('compute02').at(-1)?.argv).toEqual(['echo', arg]);
      if (arg !== '-n') expect(r.stdout).toBe(`${arg}\n`);
    },
  );

  test('quoteArg and buildCommandLine', () => {
    expect(quoteArg('vm-instances')).toBe('vm-instances');
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('a=b')).toBe("'a=b'");
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(buildCommandLine(['nova', 'show', 'my vm'], { source: '/root/openrc' })).toBe(". /root/openrc && nova show 'my vm'");
    expect(() => buildCommandLine([])).toThrow(/empty/);
  });
});

describe('the output cap', () => {
  test('keeps the first N bytes of stdout and says it cut', async () => {
    const ssh = newSsh();
    const full = await ssh.exec('compute01', ['gluster', 'volume', 'status', 'vm-instances']);
    expect(full.truncated).toBe(false);
    expect(full.stdout.length).toBeGreaterThan(300);
    const cut = await ssh.exec('compute01', ['gluster', 'volume', 'status', 'vm-instances'], { maxOutputBytes: 200 });
    expect(cut.truncated).toBe(true);
    expect(cut.exitCode).toBe(0);
    expect(cut.stdout).toBe(full.stdout.slice(0, 200));
  });

  test('never cuts a UTF-8 character in half', async () => {
    const ssh = newSsh();
    const r = await ssh.exec('control', ['echo', 'é'.repeat(100)], { maxOutputBytes: 51 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toBe('é'.repeat(25));
  });
});

describe('host keys', () => {
  async function knownHostsVariant(name: string, edit: (text: string) => string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, edit(await readFile(config.ssh.knownHosts, 'utf8')));
    return file;
  }
  const port = () => lab.nodes.find((n) => n.name === 'compute01')!.port;
  const linePrefix = () => `${knownHostsName('127.0.0.1', port())} `;
  async function realFingerprint(): Promise<string> {
    const entries = parseKnownHosts(await readFile(config.ssh.knownHosts, 'utf8'));
    return fingerprint(lookupHostKeys(entries, '127.0.0.1', port()).keys[0]!.key);
  }

  test('a changed host key is refused, naming the host and both fingerprints', async () => {
    const other = generateEd25519('other').public;
    const otherFp = fingerprint(Buffer.from(other.split(' ')[1]!, 'base64'));
    const file = await knownHostsVariant('known_hosts.changed', (t) =>
      t.split('\n').map((l) => (l.startsWith(linePrefix()) ? `${linePrefix()}${other}` : l)).join('\n'),
    );
    const ssh = newSsh({ knownHosts: file });
    const err = await ssh.exec('compute01', ['echo', 'x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const hk = err as HostKeyError;
    expect(hk.host).toBe('compute01');
    expect(hk.presented).toBe(await realFingerprint());
    expect(hk.expected).toEqual([otherFp]);
    expect(hk.message).toContain('compute01');
    expect(hk.message).toContain(hk.presented);
    expect(hk.message).toContain(otherFp);
    // the other hosts are unaffected, and the fan-out names the refused one
    const outcomes = await ssh.fanOut(['compute01', 'compute02'], ['echo', 'changed-key']);
    expect(outcomes.map((o) => o.status)).toEqual(['host-key', 'ok']);
    expect(callsOn('compute01').some((c) => c.argv[1] === 'changed-key')).toBe(false);
  });

  test('a host pinned by its ECDSA key only (as older ssh-keyscan wrote it) is accepted, not taken for changed', async () => {
    const scan = await run('ssh-keyscan', ['-t', 'ecdsa', '-p', String(port()), '127.0.0.1'], { timeout: 10_000 });
    const ecdsa = scan.stdout.split('\n').find((l) => l.includes('ecdsa-sha2-nistp256'))!;
    expect(ecdsa).toBeDefined();
    const file = await knownHostsVariant('known_hosts.ecdsa', (t) => t.split('\n').map((l) => (l.startsWith(linePrefix()) ? ecdsa : l)).join('\n'));
    const ssh = newSsh({ knownHosts: file });
    expect((await ssh.exec('compute01', ['echo', 'pinned-ecdsa'])).stdout).toBe('pinned-ecdsa\n');
    await ssh.close();
  });

  test('an unknown host is refused', async () => {
    const file = await knownHostsVariant('known_hosts.missing', (t) => t.split('\n').filter((l) => !l.startsWith(linePrefix())).join('\n'));
    const ssh = newSsh({ knownHosts: file });
    const err = (await ssh.exec('compute01', ['echo', 'x']).catch((e: unknown) => e)) as HostKeyError;
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err.expected).toEqual([]);
    expect(err.message).toMatch(/compute01 is unknown/);
    expect(err.message).toContain(await realFingerprint());
  });

  test('hashed known_hosts entries (as ssh-keygen -H writes them) are accepted', async () => {
    const file = await knownHostsVariant('known_hosts.hashed', (t) =>
      t.split('\n').map((l) => {
        if (!l) return l;
        const [host, ...rest] = l.split(' ');
        return [hashHostName(host!, randomBytes(20)), ...rest].join(' ');
      }).join('\n'),
    );
    const ssh = newSsh({ knownHosts: file });
    expect((await ssh.exec('compute01', ['echo', 'hashed'])).stdout).toBe('hashed\n');
  });
});

describe('authentication', () => {
  test('a key the lab does not know is refused: unreachable, saying why', async () => {
    const keyFile = path.join(dir, 'other_key');
    await writeFile(keyFile, generateEd25519('stranger').private, { mode: 0o600 });
    const ssh = newSsh({ key: keyFile });
    const err = await ssh.exec('compute01', ['echo', 'x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/compute01 is unreachable: authentication failed/);
  });
});

describe('faults', () => {
  const hosts = ['control', 'compute01', 'compute02', 'compute03'];

  test.each([
    ['an open connection', true],
    ['a new connection', false],
  ])('a hanging node times out on %s while the others answer', async (_name, warm) => {
    const ssh = newSsh();
    if (warm) await ssh.fanOut(hosts, ['echo', 'warm']);
    await lab.fault('compute02', 'hang');
    try {
      const timeoutMs = 1500;
      const t0 = Date.now();
      const outcomes = await ssh.fanOut(hosts, ['echo', 'hi'], { timeoutMs });
      const elapsed = Date.now() - t0;
      expect(outcomes.map((o) => [o.host, o.status])).toEqual([
        ['control', 'ok'],
        ['compute01', 'ok'],
        ['compute02', 'timeout'],
        ['compute03', 'ok'],
      ]);
      const hung = outcomes[2]!;
      expect(hung.status === 'timeout' && hung.error).toBeInstanceOf(SshTimeoutError);
      // Given up on at the timeout asked for, not before (how soon after is the scheduler's business).
      expect(hung.status === 'timeout' && (hung.error as SshTimeoutError).timeoutMs).toBe(timeoutMs);
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
    } finally {
      await lab.fault('compute02', 'unhang');
    }
    // the node answers again, over a fresh connection if the old one was retired
    expect((await ssh.exec('compute02', ['echo', 'back'])).stdout).toBe('back\n');
  });

  test('a down node is unreachable, and the pool reconnects once it is up', async () => {
    const ssh = newSsh();
    expect((await ssh.exec('compute03', ['echo', 'before'])).exitCode).toBe(0);
    await lab.fault('compute03', 'down');
    try {
      await expect(ssh.exec('compute03', ['echo', 'x'])).rejects.toBeInstanceOf(UnreachableError);
      const outcomes = await ssh.fanOut(['compute01', 'compute03'], ['echo', 'x']);
      expect(outcomes.map((o) => o.status)).toEqual(['ok', 'unreachable']);
      expect(ssh.stats().perHost.compute03).toEqual({ opened: 1, open: 0 });
    } finally {
      await lab.fault('compute03', 'up');
    }
    expect((await ssh.exec('compute03', ['echo', 'after'])).stdout).toBe('after\n');
    expect(ssh.stats().perHost.compute03).toEqual({ opened: 2, open: 1 });
  });

  test('a connection dropped mid-command fails that command; the next one reconnects', async () => {
    const ssh = newSsh();
    await ssh.exec('compute01', ['echo', 'warm']);
    await lab.fault('compute01', 'slow', '500');
    try {
      const pending = ssh.exec('compute01', ['echo', 'dropped']).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      await lab.fault('compute01', 'down');
      const err = await pending;
      expect(err).toBeInstanceOf(UnreachableError);
      expect((err as Error).message).toMatch(/compute01 is unreachable: connection lost/);
    } finally {
      await lab.fault('compute01', 'up');
      await lab.fault('compute01', 'slow', '0');
    }
    expect((await ssh.exec('compute01', ['echo', 'again'])).stdout).toBe('again\n');
    expect(ssh.stats().perHost.compute01).toEqual({ opened: 2, open: 1 });
  });

  test('an idle connection is closed after idleCloseMs', async () => {
    const ssh = newSsh({ idleCloseMs: 200 });
    await ssh.exec('compute02', ['echo', 'x']);
    expect(ssh.stats().perHost.compute02).toEqual({ opened: 1, open: 1 });
    // Closed by the pool's idle timer, waited for as a condition (a busy machine may take longer than 500 ms to close it).
    for (const deadline = Date.now() + 30_000; ssh.stats().perHost.compute02?.open !== 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(ssh.stats().perHost.compute02).toEqual({ opened: 1, open: 0 });
    await ssh.exec('compute02', ['echo', 'y']);
    expect(ssh.stats().perHost.compute02).toEqual({ opened: 2, open: 1 });
  });

  test('lab-wide latency delays every answer', async () => {
    const ssh = newSsh();
    await ssh.exec('compute01', ['echo', 'warm']);
    await lab.fault('*', 'latency', '150');
    try {
      const outcomes = await ssh.fanOut(['control', 'compute01'], ['echo', 'late']);
      for (const o of outcomes) expect(o.status === 'ok' && o.result.durationMs).toBeGreaterThanOrEqual(150);
    } finally {
      await lab.fault('*', 'latency', '0');
    }
  });

  test('a slow node still answers within its timeout', async () => {
    const ssh = newSsh();
    await lab.fault('compute01', 'slow', '300');
    try {
      const r = await ssh.exec('compute01', ['echo', 'slow']);
      expect(r.stdout).toBe('slow\n');
      expect(r.durationMs).toBeGreaterThanOrEqual(300);
      await expect(ssh.exec('compute01', ['echo', 'slow'], { timeoutMs: 100 })).rejects.toBeInstanceOf(SshTimeoutError);
    } finally {
      await lab.fault('compute01', 'slow', '0');
    }
  });
});

describe('a 200-node lab', () => {
  let bigDir: string;
  let big: Lab | undefined;
  afterAll(async () => {
    await big?.stop();
    if (bigDir) await rm(bigDir, { recursive: true, force: true });
  });

  // How fast it starts and answers is measured by `npm run bench` (startup, fan-out), not asserted here.
  test('starts, answers a fan-out to every node, and its long output is capped', async () => {
    bigDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-ssh-big-'));
    big = await startLab({ dir: bigDir, computes: 200 });
    expect(big.nodes).toHaveLength(201);

    // 200 handshakes at once can take longer than the lab's 2 s connect timeout when other jobs use the cores:
    // this test is about every node answering, so it waits longer (the fan-out bench measures the speed).
    const labConfig = loadConfigFile({}, big.configPath);
    const bigConfig = { ...labConfig, ssh: { ...labConfig.ssh, connectTimeoutMs: 60_000, commandTimeoutMs: 60_000 } };
    const ssh = createSsh(bigConfig);
    opened.push(ssh);
    const names = big.nodes.map((n) => n.name);
    const outcomes = await ssh.fanOut(names, ['echo', 'ok'], { concurrency: 64 });
    expect(outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(outcomes.map((o) => o.host)).toEqual(names);

    const full = await ssh.exec(names[1]!, ['gluster', 'volume', 'status', 'vm-instances']);
    expect(full.stdout).toContain('Status of volume: vm-instances');
    const capped = await ssh.exec(names[1]!, ['gluster', 'volume', 'status', 'vm-instances'], { maxOutputBytes: 4096 });
    expect(capped.truncated).toBe(true);
    expect(Buffer.byteLength(capped.stdout)).toBeLessThanOrEqual(4096);
    expect(full.stdout.startsWith(capped.stdout)).toBe(true);
  });
});

describe('the lab control server and CLI', () => {
  test('POST /fault and GET /calls work over HTTP on 127.0.0.1', async () => {
    const base = `http://127.0.0.1:${lab.controlPort}`;
    const bad = await fetch(`${base}/fault`, { method: 'POST', body: JSON.stringify({ node: 'compute77', fault: 'down' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown node "compute77"/);
    const ok = await fetch(`${base}/fault`, { method: 'POST', body: JSON.stringify({ node: 'compute01', fault: 'slow', arg: '0' }) });
    expect(ok.status).toBe(200);
    const calls = (await (await fetch(`${base}/calls`)).json()) as LabCall[];
    expect(calls.length).toBe(lab.calls().length);
    const info = JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8')) as { pid: number; controlPort: number };
    expect(info).toMatchObject({ pid: process.pid, controlPort: lab.controlPort });
  });

  describe('ferry lab start/fault/calls/stop', () => {
    let cliDir: string;
    afterAll(async () => {
      if (cliDir) {
        await labCommand(['stop', '--dir', cliDir]); // only signals the PID the CLI started, if it still runs
        await rm(cliDir, { recursive: true, force: true });
      }
      vi.restoreAllMocks();
    });

    test('a background lab starts, takes faults, lists calls, refuses a second start, and stops', async () => {
      const out: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
      cliDir = await mkdtemp(path.join(os.tmpdir(), 'ferry-lab-cli-'));
      expect(await labCommand(['start', '--dir', cliDir, '--computes', '2'])).toBe(0);
      const info = JSON.parse(await readFile(path.join(cliDir, 'lab.json'), 'utf8')) as { pid: number; nodes: unknown[] };
      expect(info.pid).not.toBe(process.pid);
      expect(info.nodes).toHaveLength(3);
      expect(await labCommand(['start', '--dir', cliDir])).toBe(1);
      expect(await labCommand(['fault', '--dir', cliDir, 'compute02', 'slow', '10'])).toBe(0);
      expect(await labCommand(['fault', '--dir', cliDir, 'compute09', 'down'])).toBe(1);

      const ssh = createSsh(loadConfigFile({}, path.join(cliDir, 'ferry.yml')));
      opened.push(ssh);
      expect((await ssh.exec('compute02', ['echo', 'from-cli-test'])).stdout).toBe('from-cli-test\n');
      out.length = 0;
      expect(await labCommand(['calls', '--dir', cliDir, '--grep', 'from-cli-test'])).toBe(0);
      expect(out).toEqual([expect.stringMatching(/Z compute02 +echo from-cli-test$/)]);

      expect(await labCommand(['stop', '--dir', cliDir])).toBe(0);
      expect(processGone(info.pid)).toBe(true);
      await expect(readFile(path.join(cliDir, 'lab.json'))).rejects.toThrow();
      expect(await labCommand(['stop', '--dir', cliDir])).toBe(1);
    });
  });
});

describe('OpenSSH interop', () => {
  test.skipIf(!hasOpenSsh)('the real ssh client logs in with strict host key checking', async () => {
    const compute = lab.nodes.find((n) => n.name === 'compute01')!;
    const { stdout } = await run(
      'ssh',
      [
        '-F', '/dev/null',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
        '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'IdentitiesOnly=yes',
        '-o', 'BatchMode=yes',
        '-o', 'ConnectTimeout=5',
        '-i', path.join(dir, 'id_ed25519'),
        '-p', String(compute.port),
        'stack@127.0.0.1',
        'gluster', 'volume', 'status', 'vm-instances',
      ],
      { timeout: 15_000 },
    );
    expect(stdout).toContain('Status of volume: vm-instances');
  });

  test.skipIf(!hasOpenSsh)('our SHA256 fingerprints are the ones ssh-keygen prints', async () => {
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'id_ed25519.pub')]);
    const pub = await readFile(path.join(dir, 'id_ed25519.pub'), 'utf8');
    expect(stdout.split(' ')[1]).toBe(fingerprint(Buffer.from(pub.split(' ')[1]!, 'base64')));
  });

  test.skipIf(!hasOpenSsh)('entries hashed by ssh-keygen -H are found by host and port', async () => {
    const file = path.join(dir, 'known_hosts.keygen');
    await writeFile(file, await readFile(path.join(dir, 'known_hosts'), 'utf8'));
    await run('ssh-keygen', ['-H', '-f', file]);
    const entries = parseKnownHosts(await readFile(file, 'utf8'));
    for (const n of lab.nodes) {
      expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
      expect(lookupHostKeys(entries, '127.0.0.1', n.port).keys).toHaveLength(1);
    }
  });
});

describe('known_hosts parsing', () => {
  const k1 = generateEd25519('k').public.split(' ').slice(0, 2).join(' ');
  const k2 = generateEd25519('k').public.split(' ').slice(0, 2).join(' ');
  const blob = (k: string) => Buffer.from(k.split(' ')[1]!, 'base64');

  test.each([
    ['plain name, port 22', `gw.example ${k1}`, 'gw.example', 22, true],
    ['plain name does not match another port', `gw.example ${k1}`, 'gw.example', 2222, false],
    ['[host]:port', `[gw.example]:2222 ${k1}`, 'gw.example', 2222, true],
    ['[host]:port does not match port 22', `[gw.example]:2222 ${k1}`, 'gw.example', 22, false],
    ['comma list', `a.example,gw.example,10.0.0.1 ${k1}`, '10.0.0.1', 22, true],
    ['wildcard', `*.example ${k1}`, 'gw.example', 22, true],
    ['negation wins', `*.example,!gw.example ${k1}`, 'gw.example', 22, false],
    ['case-insensitive', `GW.Example ${k1}`, 'gw.example', 22, true],
    ['hashed, port 22', `${hashHostName('gw.example', randomBytes(20))} ${k1}`, 'gw.example', 22, true],
    ['hashed [host]:port', `${hashHostName('[gw.example]:2222', randomBytes(20))} ${k1}`, 'gw.example', 2222, true],
    ['hashed, other host', `${hashHostName('gw.example', randomBytes(20))} ${k1}`, 'other.example', 22, false],
    ['comment and blank lines', `# gw.example ${k2}\n\n  \ngw.example ${k1} a comment`, 'gw.example', 22, true],
  ] as const)('%s', (_name, text, host, port, found) => {
    const known = lookupHostKeys(parseKnownHosts(text), host, port);
    expect(isKeyAccepted(known, blob(k1))).toBe(found);
  });

  test('@revoked refuses a key even where it is listed; @cert-authority lines are not host keys', () => {
    const text = `gw.example ${k1}\ngw.example ${k2}\n@revoked * ${k2}\n@cert-authority *.example ${k1}\n@bogus gw.example ${k1}\nnot-a-line\n`;
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.marker)).toEqual([null, null, 'revoked', 'cert-authority']);
    const known = lookupHostKeys(entries, 'gw.example', 22);
    expect(known.keys).toHaveLength(2);
    expect(isKeyAccepted(known, blob(k1))).toBe(true);
    expect(isKeyAccepted(known, blob(k2))).toBe(false);
    expect(lookupHostKeys(entries, 'x.example', 22).keys).toHaveLength(0);
  });

  test('fingerprints are SHA256 with unpadded base64', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});
