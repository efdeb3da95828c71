/**
 * The ferry process of the memory benchmark: loads ferry's config and SSH layer,
 * opens one pooled connection to each of the first N computes (N = argv[3];
 * 0 = an idle ferry without connections) and keeps them, keepalives on, never
 * closing them for idleness. Prints `holding N open=M ...` once done (with its RSS
 * just before opening them), and
 * `still open=M` for each `stats` line on stdin; stops on SIGTERM or when stdin closes.
 */
import { pino } from 'pino';
import { loadConfigFile } from '../../src/config.js';
import { createSsh } from '../../src/ssh/client.js';

const [configPath, countText] = process.argv.slice(2);
const loaded = loadConfigFile({ FERRY_CONFIG: configPath });
const config = { ...loaded, ssh: { ...loaded.ssh, idleCloseMs: 0 } };
const ssh = createSsh(config, pino({ level: 'silent' }));
const hosts = config.nodes.computes.slice(0, Number(countText ?? '0')).map((n) => n.name);
const rssBeforeKb = Math.round(process.memoryUsage.rss() / 1024);
const outcomes = await ssh.fanOut(hosts, ['true']);
const failed = outcomes.filter((o) => o.status !== 'ok').length;
process.stdout.write(`holding ${hosts.length} open=${ssh.stats().open} failed=${failed} keepaliveMs=${config.ssh.keepaliveMs} rssBeforeKb=${rssBeforeKb}\n`);

const stop = () => void ssh.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('close', stop);
process.stdin.on('data', (b: Buffer) => {
  if (b.toString().includes('stats')) process.stdout.write(`still open=${ssh.stats().open} opened=${ssh.stats().opened}\n`);
});
process.stdin.resume();
