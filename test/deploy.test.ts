/**
 * The deploy files: the image builds where a Docker engine runs, the systemd
 * units pass `systemd-analyze verify` and its offline security review, and the
 * compose file wires Redis, serve and worker with healthchecks.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DEPLOY = path.join(REPO, 'deploy');
const run = promisify(execFile);
const UNITS = ['ferry-serve.service', 'ferry-worker.service'];

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const dockerEngine = await succeeds('docker', ['info', '--format', '{{.ServerVersion}}']);
const systemdAnalyze = await succeeds('systemd-analyze', ['--version']);

/** A unit file as section → key → values (a key may repeat). */
function unit(name: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of readFileSync(path.join(DEPLOY, 'systemd', name), 'utf8').split('\n')) {
    const s = /^\[(.+)\]$/.exec(line.trim());
    if (s) section = s[1]!;
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv) ((out[section] ??= {})[kv[1]!] ??= []).push(kv[2]!);
  }
  return out;
}

describe('the container image', () => {
  test.skipIf(!dockerEngine)('builds, and its ferry answers --version as the non-root user (needs a Docker engine: only the client is here when skipped)', async () => {
    await run('docker', ['build', '-f', 'deploy/Dockerfile', '-t', 'ferry:test', '.'], { cwd: REPO, timeout: 900_000, maxBuffer: 64 << 20 });
    const { stdout } = await run('docker', ['run', '--rm', '--entrypoint', 'sh', 'ferry:test', '-c', 'id -u && ferry --version && command -v ssh-keyscan']);
    const [uid, version, keyscan] = stdout.trim().split('\n');
    expect(uid).not.toBe('0');
    expect(version).toBe((JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    expect(keyscan).toMatch(/ssh-keyscan$/);
  }, 900_000);

  test('is multi-stage on a slim Node 20, installs openssh-client and runs as a non-root user', () => {
    const file = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    const froms = [...file.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.every((f) => /^node:20[.\w-]*-slim$/.test(f!))).toBe(true);
    expect(file).toMatch(/apt-get install[^\n]*openssh-client/);
    const users = [...file.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toMatch(/^(?!root$|0$)/);
    // Only the packed tarball reaches the final stage: no sources, no tests.
    const final = file.slice(file.lastIndexOf('\nFROM '));
    expect([...final.matchAll(/^COPY\s+(.*)$/gm)].map((m) => m[1])).toEqual(['--from=build /ferry.tgz /tmp/ferry.tgz']);
  });

  test('.dockerignore keeps local state out of the build context', () => {
    const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', 'test', 'ferry.yml']) expect(ignored).toContain(entry);
  });
});

describe('the compose file', () => {
  const compose = parse(readFileSync(path.join(DEPLOY, 'compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; stop_grace_period?: string; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string>; ports?: string[] }>;
  };

  test('runs Redis, ferry serve and ferry worker, each with a healthcheck; ferry waits for a healthy Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['redis', 'serve', 'worker']);
    expect(compose.services.serve!.command).toEqual(['serve']);
    expect(compose.services.worker!.command).toEqual(['worker']);
    for (const s of ['redis', 'serve', 'worker']) expect(compose.services[s]!.healthcheck?.test.length).toBeGreaterThan(1);
    for (const s of ['serve', 'worker']) {
      expect(compose.services[s]!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      expect(compose.services[s]!.environment?.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  test('gives serve and worker as long to stop as the systemd units do, not Docker\'s 10 s', () => {
    for (const name of UNITS) expect(unit(name).Service!.TimeoutStopSec).toEqual(['60']);
    for (const s of ['serve', 'worker']) expect(compose.services[s]!.stop_grace_period).toBe('60s');
  });

  test("serve's healthcheck asks GET /healthz on its HTTP port, published on the host's loopback only", () => {
    expect(compose.services.serve!.healthcheck!.test.join(' ')).toMatch(/\/healthz/);
    expect(compose.services.serve!.ports).toEqual(['127.0.0.1:3000:3000']);
  });
});

describe('the systemd units', () => {
  test.skipIf(!systemdAnalyze)('pass systemd-analyze verify with no warning, and its offline security review rates them OK', async () => {
    // verify checks that ExecStart is executable: point it at a real one.
    const dir = await mkdtemp(path.join(tmpdir(), 'ferry-units-'));
    try {
      const fakeBin = path.join(dir, 'ferry');
      await writeFile(fakeBin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      for (const name of UNITS) {
        const text = readFileSync(path.join(DEPLOY, 'systemd', name), 'utf8').replaceAll('/usr/local/bin/ferry', fakeBin);
        await writeFile(path.join(dir, name), text);
      }
      const files = UNITS.map((n) => path.join(dir, n));
      const verify = await run('systemd-analyze', ['verify', ...files]);
      expect(verify.stderr).toBe('');
      for (const f of files) {
        const { stdout } = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', f]);
        expect(stdout).toMatch(/Overall exposure level for ferry-\w+\.service: [0-9.]+ OK/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.each(UNITS)('%s runs ferry as its own user, sandboxed, reading /etc/ferry only', (name) => {
    const s = unit(name).Service!;
    expect(s.User).toEqual(['ferry']);
    expect(s.ExecStart![0]).toMatch(/^\/usr\/local\/bin\/ferry (serve|worker)$/);
    expect(s.ExecStart![0]!.endsWith(name.replace(/^ferry-|\.service$/g, ''))).toBe(true);
    for (const [key, value] of Object.entries({ ProtectSystem: 'strict', NoNewPrivileges: 'yes', PrivateTmp: 'yes', ProtectHome: 'yes', ReadOnlyPaths: '/etc/ferry', CapabilityBoundingSet: '' })) {
      expect({ key, value: s[key] }).toEqual({ key, value: [value] });
    }
  });
});
