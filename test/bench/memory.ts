/**
 * Benchmark 4, memory and idle CPU: a ferry process holding one pooled SSH
 * connection to each of 200 lab computes (keepalives on), side by side with
 * idle ferry processes that loaded the same code and opened none. Peak RSS is
 * /proc/PID/status VmHWM; CPU is utime + stime from /proc/PID/stat over a window
 * in which all of them only sit there.
 */
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf, heading, median, memoryOf, mib, note, sleep, spawnTsx, startLabProcess, table, type Bench } from './support.js';

const COMPUTES = 200;
const IDLE_WINDOW_MS = 10_000;
/** Idle processes differ by a few MiB from one start to the next; the median of three is the baseline. */
const IDLE_PROCESSES = 3;
const HOLDER = fileURLToPath(new URL('./memory-holder.ts', import.meta.url));

export const memory: Bench = {
  name: 'memory',
  async run() {
    heading(`memory: ferry holding ${COMPUTES} pooled SSH connections vs idle ferry processes`);
    const lab = await startLabProcess({ computes: COMPUTES, instances: 3 });
    const idles = Array.from({ length: IDLE_PROCESSES }, () => spawnTsx(HOLDER, [lab.configPath, '0']));
    const holder = spawnTsx(HOLDER, [lab.configPath, String(COMPUTES)]);
    try {
      const [held] = await Promise.all([
        holder.waitFor(/holding \d+ open=(\d+) failed=(\d+) keepaliveMs=(\d+) rssBeforeKb=(\d+)/, 120_000),
        ...idles.map((p) => p.waitFor(/holding 0 /, 60_000)),
      ]);
      const open = Number(held[1]);
      const keepaliveMs = Number(held[3]);
      const rssBeforeKb = Number(held[4]);
      if (Number(held[2]) > 0) note(`${held[2]} of ${COMPUTES} connections could not be opened`);
      await sleep(1000);

      const cpu0 = { idles: idles.map((p) => cpuSecondsOf(p.pid)), holder: cpuSecondsOf(holder.pid) };
      const t0 = performance.now();
      await sleep(IDLE_WINDOW_MS);
      const seconds = (performance.now() - t0) / 1000;
      const pctOf = (before: number, pid: number) => ((cpuSecondsOf(pid) - before) / seconds) * 100;
      const cpu = { idle: median(idles.map((p, i) => pctOf(cpu0.idles[i]!, p.pid))), holder: pctOf(cpu0.holder, holder.pid) };
      const idleMem = idles.map((p) => memoryOf(p.pid));
      const mem = { idle: { hwmKb: median(idleMem.map((m) => m.hwmKb)), rssKb: median(idleMem.map((m) => m.rssKb)) }, holder: memoryOf(holder.pid) };

      // The keepalives must have been answered all along, or the pool would have dropped (and reopened) connections.
      holder.proc.stdin?.write('stats\n');
      const still = await holder.waitFor(/still open=(\d+) opened=(\d+)/, 10_000);
      const perConnKb = (mem.holder.hwmKb - mem.idle.hwmKb) / Math.max(1, open);
      const perConnRssKb = (mem.holder.rssKb - mem.idle.rssKb) / Math.max(1, open);
      const perConnSelfKb = (mem.holder.rssKb - rssBeforeKb) / Math.max(1, open);

      table([
        ['process', 'connections', 'peak RSS (VmHWM)', 'RSS now (VmRSS)', `CPU over ${seconds.toFixed(0)} s idle`],
        [`ferry, idle (median of ${IDLE_PROCESSES})`, '0', mib(mem.idle.hwmKb), mib(mem.idle.rssKb), `${cpu.idle.toFixed(2)} % of a core`],
        ['ferry, holding', String(open), mib(mem.holder.hwmKb), mib(mem.holder.rssKb), `${cpu.holder.toFixed(2)} % of a core`],
        ['(holding - idle) / connection', '', `${perConnKb.toFixed(0)} KiB`, `${perConnRssKb.toFixed(0)} KiB`, ''],
        ['holding / idle', '', `×${(mem.holder.hwmKb / mem.idle.hwmKb).toFixed(2)}`, `×${(mem.holder.rssKb / mem.idle.rssKb).toFixed(2)}`, ''],
      ]);
      note(`idle processes' VmHWM: ${idleMem.map((m) => mib(m.hwmKb)).join(', ')}.`);
      note(`Within the holding process: RSS ${mib(rssBeforeKb)} before opening, ${mib(mem.holder.rssKb)} now = ${perConnSelfKb.toFixed(0)} KiB per connection.`);
      note(`After the idle window: ${still[1]} connections open, ${still[2]} opened in all (${open} at the start).`);
      note(`All run under tsx (its loader counts in each). Keepalive every ${keepaliveMs} ms per connection (the lab's ferry.yml), idle close off.`);
      return [
        `peak RSS ${mib(mem.holder.hwmKb)} holding ${open} connections vs ${mib(mem.idle.hwmKb)} idle = ${perConnKb.toFixed(0)} KiB per connection (×${(mem.holder.hwmKb / mem.idle.hwmKb).toFixed(2)}; ${perConnSelfKb.toFixed(0)} KiB measured within the process); ` +
          `idle CPU with ${open} connections ${cpu.holder.toFixed(2)} % of one core (idle ferry ${cpu.idle.toFixed(2)} %)`,
      ];
    } finally {
      await Promise.all([...idles.map((p) => p.stop()), holder.stop()]);
      await lab.stop();
    }
  },
};
