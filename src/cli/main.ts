/**
 * The `ferry` command line: serve, worker, run, lab, demo, config check.
 * This is the one place where objects are built: config → logger → Redis → SSH → cluster → app.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { labCommand } from './lab.js';
import { runCommand } from './run.js';

const usage = `usage: ferry <command>
  run "<slash line>" [--as USER] [--json] [--config FILE]   run one command and print its report
  serve                                                    the Slack app (Socket Mode or HTTP)
  worker                                                   a migration/evacuation worker only
  approve ID --as USER [--reject]                          decide an approval request (as the Slack buttons do)
  lab start|stop|fault|calls --dir DIR ...                 the simulated cluster
  demo [--interactive]                                     lab + Redis + ferry, the main commands at work
  config check [FILE]                                      validate ferry.yml and the environment`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'run':
        return await runCommand(rest);
      case 'lab':
        return await labCommand(rest);
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
      case undefined:
      case 'help':
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
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
