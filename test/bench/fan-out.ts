/**
 * Benchmark 2, fan-out: the /gluster status collection (collectStorageHealth)
 * on labs of 3, 50 and 200 computes with 50 ms of latency on every answer.
 * Side by side in one run: ferry with a warm pool, ferry cold (fresh createSsh),
 * the OpenSSH client one host after another, and parallel-ssh (Debian's pssh),
 * the last two running exactly the commands ferry ran (read back from the lab).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfigFile, type Config } from '../../src/config.js';
import { createCluster } from '../../src/cluster/cluster.js';
import { collectStorageHealth } from '../../src/cluster/storage-health.js';
import { createSsh } from '../../src/ssh/client.js';
import { buildCommandLine } from '../../src/ssh/quote.js';
import type { Ssh } from '../../src/ssh/types.js';
import { cpuSecondsOf, have, heading, median, ms, note, ratio, runProgram, startLabProcess, table, type Bench, type LabProcess } from './support.js';

const SIZES = [3, 50, 200];
const LATENCY_MS = 50;
/** Sequential OpenSSH on more hosts than this is measured on this many and extrapolated. */
const SEQUENTIAL_SAMPLE = 20;
/** Nodes timed alone for the floor. */
const FLOOR_SAMPLE = 20;
const WARM_RUNS = 3;

interface Row {
  computes: number;
  warm: number;
  cold: number;
  sequential: number;
  sequentialExtrapolated: boolean;
  pssh: number;
  floor: number;
}

export const fanOut: Bench = {
  name: 'fan-out',
  async run() {
    heading(`fan-out: /gluster status collection, lab latency ${LATENCY_MS} ms per answer`);
    const psshOk = await have('parallel-ssh');
    if (!psshOk) note('parallel-ssh is not installed (Debian package pssh; FERRY_BENCH=1 .ci/ensure-deps.sh installs it): its column is left out');
    const rows: Row[] = [];
    for (const computes of SIZES) rows.push(await measure(computes, psshOk));

    table([
      ['computes', 'ferry warm', 'ferry cold', 'openssh seq', 'pssh', 'floor', 'seq/warm', 'pssh/warm', 'seq/cold', 'pssh/cold', 'warm/floor', 'cold/floor'],
      ...rows.map((r) => [
        String(r.computes),
        ms(r.warm),
        ms(r.cold),
        `${ms(r.sequential)}${r.sequentialExtrapolated ? '*' : ''}`,
        ms(r.pssh),
        ms(r.floor),
        ratio(r.sequential, r.warm),
        ratio(r.pssh, r.warm),
        ratio(r.sequential, r.cold),
        ratio(r.pssh, r.cold),
        ratio(r.warm, r.floor),
        ratio(r.cold, r.floor),
      ]),
    ]);
    if (rows.some((r) => r.sequentialExtrapolated)) {
      note(`* extrapolated: sequential OpenSSH timed on ${SEQUENTIAL_SAMPLE} hosts spread over the lab, mean × number of hosts.`);
    }
    note(`floor: the slowest of up to ${FLOOR_SAMPLE} nodes timed alone (its own commands only, warm pool); ratios ≥ ×1, lower is better.`);
    return rows.map(
      (r) =>
        `${String(r.computes).padStart(3)} computes: ferry warm ${ms(r.warm)}, cold ${ms(r.cold)}; OpenSSH sequential ${ms(r.sequential)}${r.sequentialExtrapolated ? ' (extrapolated)' : ''} = ${ratio(r.sequential, r.warm)} warm; pssh ${ms(r.pssh)} = ${ratio(r.pssh, r.warm)} warm, ${ratio(r.pssh, r.cold)} cold; warm/floor ${ratio(r.warm, r.floor)}`,
    );
  },
};

async function measure(computes: number, psshOk: boolean): Promise<Row> {
  const lab = await startLabProcess({ computes, instances: 3, latencyMs: LATENCY_MS });
  try {
    const config = loadConfigFile({ FERRY_CONFIG: lab.configPath });
    const log = pino({ level: 'silent' });

    // Cold: a fresh SSH layer, every connection opened by this collection.
    const ssh = createSsh(config, log);
    try {
      const coldStart = performance.now();
      const cold = await collect(ssh, config);
      const coldMs = performance.now() - coldStart;
      const opened = ssh.stats().opened;

      // Warm: the same pool again; the commands of the last warm run are the baselines' commands.
      const warmTimes: number[] = [];
      let since = 0;
      let warm = cold;
      // CPU of both sides over the warm runs: on a big lab the collection is bound by parsing and answering, not waiting.
      const ferryCpu0 = process.cpuUsage();
      const labCpu0 = cpuSecondsOf(lab.pid);
      for (let i = 0; i < WARM_RUNS; i++) {
        since = Date.now();
        const t = performance.now();
        warm = await collect(ssh, config);
        warmTimes.push(performance.now() - t);
      }
      const ferryCpu = process.cpuUsage(ferryCpu0);
      const ferryCpuMs = (ferryCpu.user + ferryCpu.system) / 1000 / WARM_RUNS;
      const labCpuMs = ((cpuSecondsOf(lab.pid) - labCpu0) * 1000) / WARM_RUNS;
      const warmMs = median(warmTimes);
      const newConnections = ssh.stats().opened - opened;
      const lines = await commandLines(lab, since);

      const floor = await floorOf(ssh, config);
      note(
        `${computes} computes: cold ${ms(coldMs)} (${cold.verdict}, ${opened} connections), warm median of ${WARM_RUNS} ${ms(warmMs)} (${warm.verdict}, ${newConnections} new connections), ` +
          `${lines.commands} commands per collection on ${lines.perNode.size} nodes; CPU per warm collection: ferry ${ms(ferryCpuMs)}, lab ${ms(labCpuMs)}`,
      );
      if (cold.verdict !== 'OK' || warm.verdict !== 'OK') note(`  not all healthy: ${[...cold.reasons, ...warm.reasons].slice(0, 3).map((r) => r.text).join('; ')}`);

      const sequential = await sequentialOpenSsh(lab, config, lines.perNode);
      const pssh = psshOk ? await parallelSsh(lab, config, lines.perNode) : NaN;
      return { computes, warm: warmMs, cold: coldMs, sequential: sequential.ms, sequentialExtrapolated: sequential.extrapolated, pssh, floor };
    } finally {
      await ssh.close();
    }
  } finally {
    await lab.stop();
  }
}

async function collect(ssh: Ssh, config: Config) {
  return collectStorageHealth(createCluster(ssh, config));
}

/** What ferry ran, per node, as one `;`-joined line each (the way a shell script would run it). */
async function commandLines(lab: LabProcess, since: number): Promise<{ perNode: Map<string, string>; commands: number }> {
  const calls = await lab.calls(since);
  const perNode = new Map<string, string[]>();
  for (const c of calls) {
    const list = perNode.get(c.node) ?? [];
    list.push(buildCommandLine(c.argv));
    perNode.set(c.node, list);
  }
  return { perNode: new Map([...perNode].map(([n, l]) => [n, l.join(' ; ')])), commands: calls.length };
}

/**
 * The floor: one node's own part of the collection, with nothing else running
 * (a collection over a config holding that node alone, on the warm pool). The
 * slowest of a sample is what a perfect fan-out could not beat.
 */
async function floorOf(ssh: Ssh, config: Config): Promise<number> {
  const computes = config.nodes.computes;
  const step = Math.max(1, computes.length / FLOOR_SAMPLE);
  let slowest = 0;
  for (let i = 0; i < computes.length; i += step) {
    const one: Config = { ...config, nodes: { ...config.nodes, computes: [computes[Math.floor(i)]!] } };
    const t = performance.now();
    await collect(ssh, one);
    slowest = Math.max(slowest, performance.now() - t);
  }
  return slowest;
}

function sshArgs(lab: LabProcess): string[] {
  return ['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${path.join(lab.dir, 'known_hosts')}`, '-o', 'BatchMode=yes', '-i', path.join(lab.dir, 'id_ed25519')];
}

function nodeOf(config: Config, name: string) {
  const node = [config.nodes.control, ...config.nodes.computes].find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name} in the lab's ferry.yml`);
  return node;
}

/** `ssh HOST LINE` for each node in turn; on a big lab a spread-out sample, extrapolated. */
async function sequentialOpenSsh(lab: LabProcess, config: Config, perNode: Map<string, string>): Promise<{ ms: number; extrapolated: boolean }> {
  const names = [...perNode.keys()];
  const step = names.length > SEQUENTIAL_SAMPLE ? names.length / SEQUENTIAL_SAMPLE : 1;
  // Always include the node with the volume-wide queries (the longest line).
  const longest = names.reduce((a, b) => (perNode.get(a)!.length >= perNode.get(b)!.length ? a : b));
  const sample = new Set<string>([longest]);
  for (let i = 0; sample.size < Math.min(names.length, SEQUENTIAL_SAMPLE); i += step) sample.add(names[Math.floor(i) % names.length]!);
  let total = 0;
  let failures = 0;
  for (const name of sample) {
    const node = nodeOf(config, name);
    const r = await runProgram('ssh', [...sshArgs(lab), '-p', String(node.port), `${node.user}@127.0.0.1`, perNode.get(name)!], 60_000);
    if (r.code !== 0) failures++;
    total += r.ms;
  }
  if (failures > 0) note(`  OpenSSH: ${failures} of ${sample.size} hosts failed`);
  const extrapolated = sample.size < names.length;
  return { ms: extrapolated ? (total / sample.size) * names.length : total, extrapolated };
}

/**
 * parallel-ssh with every host at once (-p = number of hosts) running the line
 * all nodes share, while the node with the volume-wide queries gets its longer
 * line from a plain `ssh` started at the same moment; wall time is both done.
 */
async function parallelSsh(lab: LabProcess, config: Config, perNode: Map<string, string>): Promise<number> {
  const counts = new Map<string, number>();
  for (const line of perNode.values()) counts.set(line, (counts.get(line) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const shared = [...perNode].filter(([, line]) => line === common).map(([n]) => n);
  const others = [...perNode].filter(([, line]) => line !== common);
  const hostsFile = path.join(lab.dir, 'pssh-hosts');
  await writeFile(hostsFile, shared.map((n) => `${nodeOf(config, n).user}@127.0.0.1:${nodeOf(config, n).port}\n`).join(''));
  const extra = sshArgs(lab).map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ');
  const t = performance.now();
  const [pssh, ...singles] = await Promise.all([
    runProgram('parallel-ssh', ['-h', hostsFile, '-p', String(shared.length), '-t', '120', '-x', extra, common], 180_000),
    ...others.map(([name, line]) => {
      const node = nodeOf(config, name);
      return runProgram('ssh', [...sshArgs(lab), '-p', String(node.port), `${node.user}@127.0.0.1`, line], 60_000);
    }),
  ]);
  const wall = performance.now() - t;
  const failed = (pssh.stdout.match(/\[FAILURE\]/g) ?? []).length + singles.filter((s) => s.code !== 0).length;
  if (pssh.code !== 0 || failed > 0) note(`  parallel-ssh: exit ${pssh.code}, ${failed} hosts failed ${pssh.stderr.slice(0, 200)}`);
  return wall;
}
