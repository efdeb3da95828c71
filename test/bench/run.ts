/**
 * `npm run bench [-- NAME...]`: issue 8's benchmarks, in order (or the named
 * ones), then one summary block. Measurements, not tests: the run exits 0
 * whatever the figures, and a benchmark that breaks is reported and skipped.
 */
import { ackLatency } from './ack-latency.js';
import { fanOut } from './fan-out.js';
import { evacuation } from './evacuation.js';
import { memory } from './memory.js';
import { novaLatency } from './nova-latency.js';
import { startup } from './startup.js';
import { heading, machine, ms, type Bench } from './support.js';

const ALL: Bench[] = [ackLatency, fanOut, evacuation, memory, novaLatency, startup];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !ALL.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${ALL.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const benches = wanted.length === 0 ? ALL : ALL.filter((b) => wanted.includes(b.name));

console.log('ferry benchmarks');
for (const line of machine()) console.log(`  ${line}`);

const summary: { name: string; lines: string[]; ms: number }[] = [];
const started = performance.now();
for (const bench of benches) {
  const t = performance.now();
  let lines: string[];
  try {
    lines = await bench.run();
  } catch (err) {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.log(`\n${bench.name} could not be measured:\n${text}`);
    lines = [`not measured: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`];
  }
  summary.push({ name: bench.name, lines, ms: performance.now() - t });
}

heading('summary');
for (const line of machine()) console.log(`  ${line}`);
for (const s of summary) {
  console.log(`  ${s.name} (${ms(s.ms)}):`);
  for (const line of s.lines) console.log(`    ${line}`);
}
console.log(`  total ${ms(performance.now() - started)}`);
// Lingering handles (an ssh2 socket closing late, a redis reconnect timer) must not keep the run alive.
process.exit(0);
