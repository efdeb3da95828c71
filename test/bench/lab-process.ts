/**
 * A lab in a process of its own, for the benchmarks: `tsx lab-process.ts '{"dir": ..., "computes": 50, ...}'`.
 * Prints `lab ready {configPath, nodes, controlPort}` once up; stops on SIGTERM or when stdin closes
 * (the benchmark that started it ended, however it ended).
 */
import { startLab, type LabOptions } from '../../src/lab/lab.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as LabOptions;
const lab = await startLab(opts);
process.stdout.write(`lab ready ${JSON.stringify({ configPath: lab.configPath, nodes: lab.nodes, controlPort: lab.controlPort })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await lab.stop().catch(() => {});
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
