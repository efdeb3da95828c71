/**
 * The one place where command output reaches ferry's parsers: the cluster's SSH
 * layer refuses output that the cap cut. A `nova list --all-tenants` cut short
 * would otherwise lose rows silently (and an evacuation plan its instances).
 */
import type { Config } from '../config.js';
import { TruncatedOutputError } from '../errors.js';
import type { Ssh } from '../ssh/types.js';

/** `ssh` whose exec throws TruncatedOutputError (naming command, node and cap) for a cut result; a fan-out marks that host 'truncated'. */
export function wholeOutputOnly(ssh: Ssh, config: Pick<Config, 'ssh'>): Ssh {
  const cap = (opts?: { maxOutputBytes?: number }) => opts?.maxOutputBytes ?? config.ssh.maxOutputBytes;
  return {
    async exec(host, argv, opts) {
      const r = await ssh.exec(host, argv, opts);
      if (r.truncated) throw new TruncatedOutputError(host, argv, cap(opts));
      return r;
    },
    async fanOut(hosts, argv, opts) {
      const outcomes = await ssh.fanOut(hosts, argv, opts);
      return outcomes.map((o) => ('result' in o && o.result.truncated ? { host: o.host, status: 'truncated', error: new TruncatedOutputError(o.host, argv, cap(opts)) } : o));
    },
    observe: (f) => ssh.observe(f),
    stats: () => ssh.stats(),
    close: () => ssh.close(),
  };
}
