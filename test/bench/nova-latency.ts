/**
 * Benchmark: ferry against a control node as slow as a real one. Every nova call
 * there costs CALL_MS (the lab's controlLatencyMs: python-novaclient's start-up
 * and a new Keystone token per call), and a live migration takes nova
 * MIGRATE_SECONDS, like the 11 s one that ferry reported after 34 s on nova 26.
 * Measured in one run: each kind of nova call alone, the /migrate preflight
 * (a dry run), and a /migrate from the slash line to the verified summary.
 * Goals: preflight ≤ 1.5 × the slowest single call; /migrate ≤ 1.2 × (nova's own
 * migration time + the preflight).
 */
import { pino } from 'pino';
import { startLab, LAB_USERS } from '../../src/lab/lab.js';
import type { LabModelHandle } from '../../src/lab/model.js';
import { startRedis } from '../../src/lab/redis-server.js';
import { loadConfigFile } from '../../src/config.js';
import { createFerry } from '../../src/ferry.js';
import { dispatch } from '../../src/dispatch.js';
import { startWorkers } from '../../src/jobs/workers.js';
import { waitForJob } from '../../src/cli/wait-job.js';
import { heading, ms, note, ratio, table, tempDir, type Bench } from './support.js';

const CALL_MS = 2000;
const MIGRATE_SECONDS = 11;

export const novaLatency: Bench = {
  name: 'nova-latency',
  async run() {
    heading(`nova-latency: ${CALL_MS} ms per nova call on the control node, ${MIGRATE_SECONDS} s per live migration`);
    const tmp = await tempDir('nova-latency');
    const [lab, redis] = await Promise.all([
      startLab({ dir: tmp.dir, computes: 3, instances: 3, migrateSeconds: MIGRATE_SECONDS, controlLatencyMs: CALL_MS }),
      startRedis(),
    ]);
    const log = pino({ level: 'silent' });
    const config = loadConfigFile({ FERRY_CONFIG: lab.configPath, REDIS_URL: redis.url });
    const base = await createFerry(config, log, { redis: true });
    const rt = { ...base, jobs: base.jobs! };
    const workers = await rt.startWorkers();
    const deps = rt.dispatchDeps();
    const run = (line: string) => dispatch({ line, userId: LAB_USERS.operator, channel: 'bench' }, deps);
    const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      const t = Date.now();
      const v = await f();
      return [v, Date.now() - t];
    };
    try {
      const { nova } = rt.cluster;
      const id = (await nova.show('cirros1', { minimal: true })).id;
      const singles: [string, () => Promise<unknown>][] = [
        ['nova show', () => nova.show('cirros1')],
        ['nova show --minimal', () => nova.show('cirros1', { minimal: true })],
        ['nova service-list --host --binary', () => nova.services({ host: 'compute02', binary: 'nova-compute' })],
        ['nova --os-compute-api-version 2.52 hypervisor-show', () => nova.hypervisor('compute02.stack', { microversion: '2.52' })],
        ['nova migration-list --instance-uuid', () => nova.migrations({ instanceId: id })],
      ];
      const callTimes: [string, number][] = [];
      for (const [name, call] of singles) callTimes.push([name, (await timed(call))[1]]);
      const slowest = Math.max(...callTimes.map(([, t]) => t));

      // The first dry run also opens the SSH connections to the compute nodes; the second finds them pooled, as a running ferry does.
      const [dry, coldPreflight] = await timed(() => run('/migrate cirros1 compute02 --dry-run'));
      if (dry.report.verdict === 'FAIL') throw new Error(`the dry run failed: ${dry.report.reasons.join('; ')}`);
      const [, preflight] = await timed(() => run('/migrate cirros1 compute02 --dry-run'));

      const callsBefore = lab.calls().length;
      const t0 = Date.now();
      const asked = await run('/migrate cirros1 compute02');
      const queued = Date.now();
      if (!asked.report.job) throw new Error(`/migrate queued no job: ${asked.report.title}: ${asked.report.reasons.join('; ')}`);
      const final = await waitForJob(rt.jobs, asked.report.job.queue, asked.report.job.id, () => {});
      const total = Date.now() - t0;
      const state = (lab.model as LabModelHandle).state;
      const mig = state.migrations.filter((m) => m.source === 'compute01' && m.dest === 'compute02').at(-1);
      if (!mig) throw new Error('the lab recorded no migration of cirros1');
      const novaOwn = (mig.updatedAt ?? mig.endsAt) - mig.createdAt;
      const novaCalls = lab.calls().slice(callsBefore).filter((c) => c.argv[0] === 'nova');
      const target = novaOwn + preflight;

      table([['nova call alone', 'wall time'], ...callTimes.map(([n, t]) => [n, ms(t)])]);
      console.log('');
      table([
        ['', 'wall time', 'ratio', 'goal'],
        ['slowest single nova call', ms(slowest), '×1.00', ''],
        ['/migrate --dry-run (preflight), first: SSH connections opened', ms(coldPreflight), ratio(coldPreflight, slowest), ''],
        ['/migrate --dry-run (preflight), connections pooled', ms(preflight), ratio(preflight, slowest), '≤ ×1.5'],
        ["nova's own migration (record created → completed)", ms(novaOwn), '', ''],
        ['nova + preflight', ms(target), '×1.00', ''],
        ['/migrate: slash line → verified summary', ms(total), ratio(total, target), '≤ ×1.2'],
        ['  of which slash line → queued (preflight, heal)', ms(queued - t0), '', ''],
        ['  of which queued → summary', ms(total - (queued - t0)), '', ''],
      ]);
      note(`${novaCalls.length} nova calls during the /migrate: ${countBy(novaCalls.map((c) => c.argv.find((a, i) => i > 0 && !a.startsWith('-') && !/^\d/.test(a)) ?? '?'))}`);
      note(`summary: ${final.title}: ${final.reasons.join('; ')}${final.notes.length ? ` (notes: ${final.notes.join('; ')})` : ''}`);
      note(`ferry polls nova every ${config.policy.migration.pollIntervalMs} ms (ferry.yml default); lab controlLatencyMs ${CALL_MS}.`);
      return [
        `preflight ${ms(preflight)} vs slowest nova call ${ms(slowest)}: ${ratio(preflight, slowest)} (goal ≤ ×1.5)`,
        `/migrate ${ms(total)} vs nova ${ms(novaOwn)} + preflight ${ms(preflight)}: ${ratio(total, target)} (goal ≤ ×1.2)`,
      ];
    } finally {
      await workers.close();
      await rt.close();
      await Promise.allSettled([lab.stop(), redis.stop()]);
      await tmp.remove();
    }
  },
};

function countBy(words: string[]): string {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([w, n]) => `${w} ×${n}`).join(', ');
}
