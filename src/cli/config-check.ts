/**
 * `ferry config check [FILE] [--connect]`: ferry.yml, the environment and the
 * files they name, as ferry would load them; with --connect, every node reached
 * with the pinned key and what ferry needs there (config-connect.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { allNodes, ConfigMissingError, loadConfigFile, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { lookupHostKeys, knownHostsName, parseKnownHosts } from '../ssh/known-hosts.js';
import { createSsh } from '../ssh/client.js';
import { createCluster } from '../cluster/cluster.js';
import { renderTerminal } from './render-terminal.js';
import { connectReport } from './config-connect.js';

const usage = 'usage: ferry config check [FILE] [--connect]   (FILE defaults to FERRY_CONFIG, then ./ferry.yml)';

/** Runs `ferry config ...` (argv after `config`); resolves with the exit code. */
export async function configCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { connect: { type: 'boolean' }, config: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`ferry config: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const [action, file, ...extra] = parsed.positionals;
  if (action !== 'check' || extra.length > 0) {
    console.error(usage);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfigFile(process.env, file ?? parsed.values.config);
    const unpinned = unpinnedNodes(config);
    if (unpinned.length > 0) throw new ConfigError(unpinned);
  } catch (err) {
    if (printConfigError(err)) return 2;
    throw err;
  }
  console.log(`config OK: ${config.nodes.control.name} and ${config.nodes.computes.length} compute node(s); ssh.key and ssh.knownHosts readable`);
  if (!parsed.values.connect) return 0;

  const ssh = createSsh(config, pino({ level: 'silent' }));
  try {
    const report = await connectReport(createCluster(ssh, config));
    console.log(renderTerminal(report, { color: process.stdout.isTTY ?? false }));
    return report.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await ssh.close();
  }
}

/**
 * Prints a ConfigError as ferry's one answer to it (no stack trace) and says
 * true; anything else is left to the caller.
 */
export function printConfigError(err: unknown): boolean {
  if (err instanceof ConfigMissingError) console.error(`ferry: ${err.problems.join('\n  ')}`);
  else if (err instanceof ConfigError) console.error(`ferry: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
  else return false;
  return true;
}

/** Nodes known_hosts pins no key for: ferry would refuse to connect to them. */
function unpinnedNodes(config: Config): string[] {
  const known = parseKnownHosts(readFileSync(config.ssh.knownHosts, 'utf8'));
  const targets = [...allNodes(config), ...(config.ssh.jumpHost ? [{ name: 'ssh.jumpHost', ...config.ssh.jumpHost }] : [])];
  return targets
    .filter((n) => lookupHostKeys(known, n.host, n.port).keys.length === 0)
    .map((n) => `ssh.knownHosts: ${config.ssh.knownHosts} has no key for ${n.name} (${knownHostsName(n.host, n.port)}); ferry refuses to connect to it`);
}
