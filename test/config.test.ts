import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const minimal = `
nodes:
  control: { name: control, host: 127.0.0.1 }
  computes:
    - { name: compute01, host: 10.0.0.11, fqdn: compute01.stack }
ssh: { key: id_ed25519, knownHosts: known_hosts }
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfig(env, text, '/etc/ferry');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('ferry.yml', () => {
  test('the commented example file is valid', () => {
    expect(problems(readFileSync(new URL('../ferry.example.yml', import.meta.url), 'utf8'))).toEqual([]);
  });

  test('defaults fill what the file leaves out, and paths are taken from its directory', () => {
    const c = loadConfig({}, minimal, '/etc/ferry');
    expect(c.gluster).toEqual({ volume: 'vm-instances', mountPoint: '/var/lib/nova/instances', brickPath: '/gluster/instances', minVersion: '3.3' });
    expect(c.ssh.key).toBe('/etc/ferry/id_ed25519');
    expect(c.nodes.computes[0]!.fqdn).toBe('compute01.stack');
    expect(c.nodes.control.fqdn).toBe('control');
  });

  test('cli.users maps OS users to Slack ids, and a bad entry names its key', () => {
    expect(loadConfig({}, `${minimal}cli: { users: { alice: U0ALICE } }\n`, '/etc/ferry').cli.users).toEqual({ alice: 'U0ALICE' });
    expect(loadConfig({}, minimal, '/etc/ferry').cli.users).toEqual({});
    expect(problems(`${minimal}cli: { users: { alice: alice@example.org } }\n`)).toEqual(['cli.users.alice: expected a Slack user id (U…), got "alice@example.org"']);
  });

  test('a bad host name names its key', () => {
    const text = minimal.replace('- { name: compute01', '- { name: compute00, host: 10.0.0.10 }\n    - { name: compute01').replace('10.0.0.11', 'comp ute');
    expect(problems(text)).toEqual(['nodes.computes[1].host: expected a host name, got "comp ute"']);
  });

  test('every problem is listed, one line each', () => {
    const text = minimal.replace('ssh: { key: id_ed25519, knownHosts: known_hosts }', 'ssh: { knownHosts: known_hosts, connectTimeoutMs: -1 }\nopenstack: { cli: heat }');
    const lines = problems(text, { PORT: 'eighty' });
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).toMatch(/^ssh\.key: /m);
    expect(lines.join('\n')).toMatch(/^ssh\.connectTimeoutMs: /m);
    expect(lines.join('\n')).toMatch(/^openstack\.cli: /m);
    expect(lines.join('\n')).toMatch(/^env PORT: /m);
  });

  test('a YAML syntax error names the file, line and column, with no dangling colon', () => {
    expect(problems('nodes: [')).toEqual(['ferry.yml:1:9: unexpected end of the stream within a flow collection']);
  });

  test('an unknown key is an error that names the closest valid key', () => {
    const text = minimal.replace('knownHosts: known_hosts }', 'knownHosts: known_hosts, comandTimeoutMs: 9000 }') + 'rolez:\n  admin: { users: [U1] }\nopenstack: { cli: nova, flavour: x }\n';
    expect(problems(text)).toEqual([
      'ssh.comandTimeoutMs: unknown key; did you mean commandTimeoutMs?',
      'openstack.flavour: unknown key (valid here: cli, openrc, commandTimeoutMs)',
      'rolez: unknown key; did you mean roles?',
    ]);
  });

  test('duplicate node names are reported', () => {
    expect(problems(minimal.replace('name: control', 'name: compute01'))).toEqual(['nodes: node name "compute01" is used twice']);
  });

  test('REDIS_URL overrides the file', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:7000' }, minimal).redis.url).toBe('redis://127.0.0.1:7000');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:7000' }, `${minimal}redis: { url: 'redis://127.0.0.1:7001' }\n`).redis).toEqual({ url: 'redis://127.0.0.1:7000', configured: true });
  });

  test('redis.url in the file counts as configured; with neither it is the default, not configured', () => {
    expect(loadConfig({}, `${minimal}redis: { url: 'redis://127.0.0.1:7001' }\n`).redis).toEqual({ url: 'redis://127.0.0.1:7001', configured: true });
    expect(loadConfig({}, minimal).redis).toEqual({ url: 'redis://127.0.0.1:6379', configured: false });
  });
});

describe('node names', () => {
  test("a node named as nova registers it, short or fully qualified, and nothing a shell would read", () => {
    const withName = (name: string) => minimal.replace('name: compute01', `name: ${JSON.stringify(name)}`);
    expect(loadConfig({}, withName('compute01.example.org')).nodes.computes[0]!.name).toBe('compute01.example.org');
    expect(problems(withName('compute01;reboot'))[0]).toMatch(/^nodes\.computes\[0\]\.name: expected a node name/);
  });
});
