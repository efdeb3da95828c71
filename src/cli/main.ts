#!/usr/bin/env -S node --no-memory-reducer
/**
 * The `ferry` command line: serve, worker, run, lab, demo, config check.
 * `--no-memory-reducer` is for `ferry serve`'s acking thread (docs/DESIGN.md, "V8's
 * memory reducer is off"): V8 reads it only when it sets up a heap, so it must be on node's
 * command line, and Node refuses it in NODE_OPTIONS. `env -S` splits the line (GNU
 * coreutils 8.30+, BSD).
 * This is the one place where objects are built: config → logger → Redis → SSH → cluster → app.
 * Each sub-command's module is imported only when that sub-command runs, so that
 * `ferry run` does not load the lab, the demo or the Slack app.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { ferryPackage } from '../package-root.js';

/** Each sub-command's usage, for `ferry --help` and `ferry SUB --help`. */
const usages: Record<string, string> = {
  run: 'run "<slash line>" [--as YOUR_SLACK_ID] [--json | --json-lines] [--config FILE] [--redis] [--no-worker]   run one command and print its report',
  serve: 'serve [--config FILE] [--host HOST] [--no-worker]   the Slack app (Socket Mode or HTTP), and the job workers',
  worker: 'worker [--config FILE]   a migration/evacuation worker only',
  approve: 'approve ID [--reject] [--config FILE]   decide an approval request as your cli.users Slack id (as the Slack buttons do)',
  lab: 'lab start|stop|fault|calls --dir DIR ...   the simulated cluster (ferry lab --help for each action)',
  demo: 'demo [--interactive] [--computes N] [--instances M]   lab + Redis + ferry, the main commands at work',
  config: 'config check [FILE] [--connect]   validate ferry.yml and the environment; --connect reaches every node',
};

const usage = `usage: ferry <command> [--help]\n${Object.values(usages)
  .map((u) => `  ${u}`)
  .join('\n')}\n  --version   print the version`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== undefined && sub in usages && wantsHelp(rest)) {
    if (sub === 'lab') return (await import('./lab.js')).labCommand(['--help']);
    console.log(`usage: ferry ${usages[sub]}`);
    return 0;
  }
  try {
    switch (sub) {
      case 'run':
        return await (await import('./run.js')).runCommand(rest);
      case 'lab':
        return await (await import('./lab.js')).labCommand(rest);
      case 'config':
        return (await import('./config-check.js')).configCommand(rest);
      case 'serve':
        return await (await import('./serve.js')).serveCommand(rest);
      case 'worker':
        return await (await import('./worker.js')).workerCommand(rest);
      case 'approve':
        return await (await import('./approve.js')).approveCommand(rest);
      case 'demo':
        return await (await import('./demo.js')).demoCommand(rest);
      case '--version':
      case '-V':
        console.log(ferryPackage()?.version ?? 'unknown');
        return 0;
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        console.log(usage);
        return 0;
    }
    console.error(`ferry: unknown command ${JSON.stringify(argv.join(' '))}\n${usage}`);
    return 2;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ferry: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
      return 2;
    }
    throw err;
  }
}

/** `-h`/`--help` before any `--`: a slash line is one argument, so it never is either. */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

/** Whether this file is the program node was started with (through npm's bin symlink too). */
function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`ferry: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
