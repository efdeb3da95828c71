/**
 * `ferry lab start|stop|fault|calls --dir DIR ...`: a lab as a background process.
 *
 * `start` spawns this same program detached (`ferry lab serve`, internal), which
 * runs startLab() and stays up; start returns once DIR/lab.json names the new
 * process. `stop` sends SIGTERM to that PID only, after checking it is the lab.
 * `fault` and `calls` talk to the lab's control server on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readLabInfo, startLab, type LabInfo } from '../lab/lab.js';
import type { LabCall } from '../lab/types.js';
import { quoteArg } from '../ssh/quote.js';

const usage = `usage: ferry lab <action> --dir DIR ...
  start --dir DIR [--computes N] [--instances M] [--migrate-seconds S] [--latency-ms L] [--control-latency-ms C] [--bare]
  stop  --dir DIR
  fault --dir DIR NODE FAULT [ARG]     e.g. compute02 hang | compute02 down | compute02 slow 800 | compute01 brick-down
  calls --dir DIR [--grep TEXT] [--json]`;

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const labFlags = {
  dir: { type: 'string' },
  computes: { type: 'string' },
  instances: { type: 'string' },
  'migrate-seconds': { type: 'string' },
  'latency-ms': { type: 'string' },
  'control-latency-ms': { type: 'string' },
  bare: { type: 'boolean' },
} as const;

/** Options for tests: `entry` replaces main.ts (main.js when built) as the program `start` spawns. */
export interface LabCommandOptions {
  entry?: string;
}

/** Runs `ferry lab ...` (argv after `lab`); resolves with the exit code. */
export async function labCommand(argv: string[], opts: LabCommandOptions = {}): Promise<number> {
  const [action, ...rest] = argv;
  try {
    switch (action) {
      case 'start':
        return await start(rest, opts);
      case 'serve':
        return await serve(rest);
      case 'stop':
        return await stop(rest);
      case 'fault':
        return await fault(rest);
      case 'calls':
        return await calls(rest);
      case undefined:
      case 'help':
      case '--help':
        console.log(usage);
        return action === undefined ? 2 : 0;
    }
    console.error(`ferry lab: unknown action ${JSON.stringify(action)}\n${usage}`);
    return 2;
  } catch (err) {
    if (err instanceof LabUsage) {
      console.error(`ferry lab: ${err.message}\n${usage}`);
      return 2;
    }
    console.error(`ferry lab: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

class LabUsage extends Error {}

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** --dir, absolute. */
  dir: string;
}

function parse(args: string[], options: ParseArgsConfig['options'], positionals = false): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new LabUsage((err as Error).message);
  }
  const values = parsed.values as Parsed['values'];
  if (typeof values.dir !== 'string' || values.dir === '') throw new LabUsage('--dir DIR is required');
  return { values, positionals: parsed.positionals, dir: path.resolve(values.dir) };
}

function count(value: unknown, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new LabUsage(`--${flag} expects an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function labOptions(values: Record<string, unknown>) {
  return {
    computes: count(values.computes, 'computes', 1),
    instances: count(values.instances, 'instances', 0),
    migrateSeconds: count(values['migrate-seconds'], 'migrate-seconds', 0),
    latencyMs: count(values['latency-ms'], 'latency-ms', 0),
    controlLatencyMs: count(values['control-latency-ms'], 'control-latency-ms', 0),
    bare: values.bare === true,
  };
}

async function start(args: string[], opts: LabCommandOptions): Promise<number> {
  const { values, dir } = parse(args, labFlags);
  labOptions(values); // validate here, where the user sees the message
  const existing = await readLabInfo(dir);
  if (existing && isAlive(existing.pid)) {
    console.error(`ferry lab: a lab already runs in ${dir} (pid ${existing.pid}); stop it first: ferry lab stop --dir ${dir}`);
    return 1;
  }
  await mkdir(dir, { recursive: true });
  await rm(path.join(dir, 'lab.json'), { force: true });

  // From source (tsx, vitest) the child runs main.ts under tsx too; built (dist/), it runs main.js as it is.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = opts.entry ?? fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));
  const loader = !fromSource || process.execArgv.some((a) => a.includes('tsx')) ? [] : ['--import', import.meta.resolve('tsx')];
  const logPath = path.join(dir, 'lab.log');
  const logFd = openSync(logPath, 'a');
  const serveArgs = ['--dir', dir];
  for (const [flag, value] of Object.entries(values)) {
    if (flag === 'dir') continue;
    if (value === true) serveArgs.push(`--${flag}`);
    else if (typeof value === 'string') serveArgs.push(`--${flag}`, value);
  }
  const child = spawn(process.execPath, [...process.execArgv, ...loader, entry, 'lab', 'serve', ...serveArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  let info: LabInfo | undefined;
  while (Date.now() < deadline && exited === undefined) {
    info = await readLabInfo(dir);
    if (info?.pid === child.pid) break;
    await sleep(100);
  }
  child.removeAllListeners('exit');
  if (!info || info.pid !== child.pid) {
    if (exited === undefined && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    console.error(`ferry lab: the lab did not start${exited !== undefined ? ` (exit ${exited})` : ' in time'}; its log, ${logPath}:\n${tail(logPath)}`);
    return 1;
  }
  console.log(`lab running in ${dir} (pid ${info.pid}, control 127.0.0.1:${info.controlPort})`);
  console.log(`config: ${info.configPath}   (export FERRY_CONFIG=${info.configPath})`);
  const shown = info.nodes.slice(0, 10);
  for (const n of shown) console.log(`  ${n.name.padEnd(12)} 127.0.0.1:${n.port}`);
  if (info.nodes.length > shown.length) console.log(`  … ${info.nodes.length - shown.length} more nodes in ${path.join(dir, 'lab.json')}`);
  console.log(`stop it with: ferry lab stop --dir ${dir}`);
  return 0;
}

/** The background process itself: start the lab, stay up until SIGTERM or SIGINT. */
async function serve(args: string[]): Promise<number> {
  const { values, dir } = parse(args, labFlags);
  const lab = await startLab({ dir, ...labOptions(values) });
  console.log(`${new Date().toISOString()} lab ready: ${lab.nodes.length} nodes, control 127.0.0.1:${lab.controlPort}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await lab.stop();
  console.log(`${new Date().toISOString()} lab stopped`);
  return 0;
}

async function stop(args: string[]): Promise<number> {
  const { dir } = parse(args, { dir: labFlags.dir });
  const info = await readLabInfo(dir);
  if (!info) {
    console.error(`ferry lab: no lab runs in ${dir} (no lab.json)`);
    return 1;
  }
  if (!isAlive(info.pid)) {
    await rm(path.join(dir, 'lab.json'), { force: true });
    console.log(`lab in ${dir} was not running (pid ${info.pid} is gone); removed its lab.json`);
    return 0;
  }
  if (!(await isOurLab(info, dir))) {
    console.error(`ferry lab: pid ${info.pid} from ${dir}/lab.json does not look like this lab; not signalling it. Remove lab.json if the lab is gone.`);
    return 1;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(info.pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(info.pid)) {
    console.error(`ferry lab: pid ${info.pid} did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; sending SIGKILL`);
    process.kill(info.pid, 'SIGKILL');
  }
  await rm(path.join(dir, 'lab.json'), { force: true });
  console.log(`lab in ${dir} stopped`);
  return 0;
}

async function fault(args: string[]): Promise<number> {
  const { positionals, dir } = parse(args, { dir: labFlags.dir }, true);
  const [node, name, arg, ...extra] = positionals;
  if (!node || !name || extra.length > 0) throw new LabUsage('fault expects NODE FAULT [ARG]');
  const res = await control(dir, '/fault', { node, fault: name, ...(arg === undefined ? {} : { arg }) });
  if (!res.ok) {
    console.error(`ferry lab: ${node} ${name}: ${(res.body as { error?: string }).error ?? res.status}`);
    return 1;
  }
  console.log(`${node}: ${name}${arg === undefined ? '' : ` ${arg}`}`);
  return 0;
}

async function calls(args: string[]): Promise<number> {
  const { values, dir } = parse(args, { dir: labFlags.dir, grep: { type: 'string' }, json: { type: 'boolean' } });
  const res = await control(dir, '/calls');
  if (!res.ok) {
    console.error(`ferry lab: cannot read calls: ${(res.body as { error?: string }).error ?? res.status}`);
    return 1;
  }
  const lines = (res.body as LabCall[])
    .map((c) => ({ call: c, text: `${new Date(c.at).toISOString()} ${c.node.padEnd(10)} ${c.argv.map(quoteArg).join(' ')}` }))
    .filter((l) => typeof values.grep !== 'string' || l.text.includes(values.grep));
  if (values.json) console.log(JSON.stringify(lines.map((l) => l.call), null, 2));
  else for (const l of lines) console.log(l.text);
  return 0;
}

async function control(dir: string, route: string, body?: unknown): Promise<{ ok: boolean; status: number; body: unknown }> {
  const info = await readLabInfo(dir);
  if (!info || !isAlive(info.pid)) throw new Error(`no lab runs in ${dir}; start one with: ferry lab start --dir ${dir}`);
  const res = await fetch(`http://127.0.0.1:${info.controlPort}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { ok: res.ok, status: res.status, body: await res.json().catch(() => ({})) };
}

/**
 * Whether the PID in lab.json is still our lab and not a recycled PID: its
 * control server answers with that PID, or its command line is `lab serve` for DIR.
 */
async function isOurLab(info: LabInfo, dir: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${info.controlPort}/status`, { signal: AbortSignal.timeout(2000) });
    if (res.ok && ((await res.json()) as { pid?: number }).pid === info.pid) return true;
  } catch {
    // fall through to the command line check
  }
  const cmdline = `/proc/${info.pid}/cmdline`;
  if (!existsSync(cmdline)) return false;
  const argv = readFileSync(cmdline, 'utf8').split('\0');
  return argv.includes('serve') && argv.includes('lab') && argv.includes(dir);
}

/** Whether a process runs (a zombie, killed but not yet reaped, does not). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "pid (comm) STATE ..."; comm may contain spaces, so look after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
