/**
 * Benchmark 5, start-up: the built ferry (dist/, as `npm install -g` runs it)
 * answering `ferry run "/ferry help"`, cold, one process per run, side by side
 * with a bare `node -e 0`, interleaved so that both see the same machine load.
 * Then how long `ferry lab start --computes 200` takes until the lab answers
 * (the lab's ferry.yml is the configuration the help runs use).
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { REPO, heading, median, ms, note, ratio, runProgram, table, tempDir, type Bench } from './support.js';

const RUNS = 15;
const LAB_COMPUTES = 200;
const TARGET_RATIO = 3;
const MAIN = path.join(REPO, 'dist/src/cli/main.js');

export const startup: Bench = {
  name: 'startup',
  async run() {
    heading(`start-up: ferry run "/ferry help" from dist/ vs node -e 0, ${RUNS} cold runs each`);
    const build = await runProgram('npm', ['run', '--silent', 'build'], 300_000);
    if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
    note(`built dist/ in ${ms(build.ms)} (npm run build)`);

    const tmp = await tempDir('startup');
    const dir = path.join(tmp.dir, 'lab');
    try {
      const lab = await runProgram(process.execPath, [MAIN, 'lab', 'start', '--dir', dir, '--computes', String(LAB_COMPUTES), '--instances', '50'], 300_000);
      if (lab.code !== 0) throw new Error(`ferry lab start failed:\n${lab.stderr}${lab.stdout}`);
      const env = { ...process.env, FERRY_CONFIG: path.join(dir, 'ferry.yml'), LOG_LEVEL: 'warn' };

      // Both series share the machine, but its load moves the ratio: say what it was.
      const loadBefore = loadavg()[0]!;
      const bare: number[] = [];
      const help: number[] = [];
      const version: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        bare.push((await runProgram(process.execPath, ['-e', '0'], 60_000)).ms);
        const h = await runProgram(process.execPath, [MAIN, 'run', '/ferry help'], 60_000, env);
        if (h.code !== 0 || !h.stdout.startsWith('ferry commands')) throw new Error(`ferry run "/ferry help" failed (${h.code}):\n${h.stderr}${h.stdout}`);
        help.push(h.ms);
        version.push((await runProgram(process.execPath, [MAIN, '--version'], 60_000, env)).ms);
      }
      const rows = [
        ['command', 'p50', 'min', 'max', 'vs node -e 0'],
        ['node -e 0', ms(median(bare)), ms(Math.min(...bare)), ms(Math.max(...bare)), ''],
        ['ferry run "/ferry help"', ms(median(help)), ms(Math.min(...help)), ms(Math.max(...help)), ratio(median(help), median(bare))],
        ['ferry --version', ms(median(version)), ms(Math.min(...version)), ms(Math.max(...version)), ratio(median(version), median(bare))],
      ];
      table(rows);
      const load = `load average ${loadBefore.toFixed(2)} before the runs, ${loadavg()[0]!.toFixed(2)} after`;
      note(load);
      const r = median(help) / median(bare);
      note(`target: ferry run "/ferry help" at most ×${TARGET_RATIO} a bare node (medians); ${r <= TARGET_RATIO ? 'met' : 'NOT met'} here`);
      note(`ferry lab start --computes ${LAB_COMPUTES} --instances 50: ${ms(lab.ms)} until the lab answered`);
      return [
        `ferry run "/ferry help" p50 ${ms(median(help))} vs node -e 0 p50 ${ms(median(bare))}: ${ratio(median(help), median(bare))} (target ×${TARGET_RATIO}; ${load})`,
        `ferry --version p50 ${ms(median(version))}: ${ratio(median(version), median(bare))}`,
        `ferry lab start --computes ${LAB_COMPUTES}: ${ms(lab.ms)}`,
      ];
    } finally {
      await runProgram(process.execPath, [MAIN, 'lab', 'stop', '--dir', dir], 60_000);
      await tmp.remove();
    }
  },
};
