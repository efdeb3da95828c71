/**
 * Aborting a running live migration: ask nova, then follow nova's record of that
 * migration until nova stops changing it (or a deadline passes), and say what the
 * evidence shows: cancelled (the instance stays on the source), completed anyway,
 * refused, or unknown.
 */
import type { NovaOps } from '../cluster/nova.js';
import type { Migration, Server } from '../cluster/nova-types.js';
import { ClusterError, NotFoundError } from '../errors.js';
import { report, type Report } from '../report.js';
import { isFinalMigrationStatus } from './migration.js';

/** How long to follow an accepted abort: libvirt's abortJob and nova's rollback take seconds. */
export const ABORT_FOLLOW_MS = 120_000;

export interface AbortFollow {
  pollIntervalMs: number;
  timeoutMs?: number;
  /** The clock (tests may inject one). */
  now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const route = (m: Migration) => `${m.sourceCompute ?? '?'} → ${m.destCompute ?? '?'}`;
const where = (s: Server | undefined) => (s ? `${s.status} / ${s.taskState ?? 'None'} on ${s.host ?? 'an unknown host'}` : 'not seen');

/** The instance's newest in-progress migration, as nova lists it; undefined when none. */
export async function runningMigration(nova: NovaOps, instanceId: string): Promise<Migration | undefined> {
  // nova's list holds in-progress ones only; openstack's (server migration list --server) every one the instance had.
  const running = (await nova.serverMigrations(instanceId)).filter((m) => !isFinalMigrationStatus(m.status));
  return running.sort((a, b) => b.id - a.id)[0];
}

/** The instance and nova's record of migration `id` of it, as they stand now (undefined: not seen this time). */
async function look(nova: NovaOps, instanceId: string, id: number): Promise<{ server?: Server; record?: Migration }> {
  const [server, list] = await Promise.all([nova.show(instanceId, { minimal: true }).catch(() => undefined), nova.migrations({ instanceId }).catch(() => undefined)]);
  return { server, record: list?.find((m) => m.id === id) };
}

/**
 * Asks nova to abort `running` (a migration of `server`) and follows it to its end.
 * Never reports success without nova's record of this migration ending cancelled.
 */
export async function abortAndFollow(nova: NovaOps, server: Server, running: Migration, o: AbortFollow): Promise<Report> {
  const name = server.name;
  const what = `migration ${running.id} of ${name} (${route(running)})`;
  try {
    await nova.abortLiveMigration(server.id, running.id);
  } catch (err) {
    if (!(err instanceof ClusterError) && !(err instanceof NotFoundError)) throw err;
    const after = await look(nova, server.id, running.id);
    // Said only as nova shows it now: a migration that ended meanwhile does not "go on".
    const status = after.record?.status ?? running.status;
    const state = isFinalMigrationStatus(status) ? `has since ended: ${status}` : `goes on (${status})`;
    return report({ title: `nova refused to abort the migration of ${name}`, verdict: 'FAIL', reasons: [`nova: ${err.message}`, `${what} ${state}; ${name} is ${where(after.server)}`] });
  }
  const now = o.now ?? Date.now;
  const deadline = now() + (o.timeoutMs ?? ABORT_FOLLOW_MS);
  let seen: { server?: Server; record?: Migration } = {};
  for (;;) {
    const next = await look(nova, server.id, running.id);
    seen = { server: next.server ?? seen.server, record: next.record ?? seen.record };
    const busy = !next.server || next.server.status === 'MIGRATING' || next.server.taskState !== null;
    if (next.record && isFinalMigrationStatus(next.record.status) && !busy) return ended(what, name, next.record, next.server!);
    if (now() >= deadline) {
      return report({
        title: `Abort of the migration of ${name}: unknown`,
        verdict: 'WARN',
        reasons: [
          `nova accepted the abort, but after ${Math.round((o.timeoutMs ?? ABORT_FOLLOW_MS) / 1000)} s ${what} is ${seen.record?.status ?? 'not seen'} and ${name} is ${where(seen.server)}`,
        ],
        notes: [`See what nova is doing: nova migration-list --instance-uuid ${server.id}`],
      });
    }
    await sleep(o.pollIntervalMs);
  }
}

/** nova has finished with the migration: what its record and the instance say. */
function ended(what: string, name: string, record: Migration, server: Server): Report {
  const table = {
    title: 'Evidence',
    columns: ['Field', 'Now'],
    rows: [
      ['migration', `${record.id} ${record.status}${record.updatedAt ? ` at ${record.updatedAt}` : ''}`],
      ['route', route(record)],
      ['status', server.status],
      ['task_state', server.taskState ?? 'None'],
      ['host', server.host ?? '-'],
    ],
  };
  if (record.status === 'cancelled' && server.host === record.sourceCompute) {
    return report({ title: `Aborted the migration of ${name}`, verdict: server.status === 'ACTIVE' ? 'OK' : 'WARN', reasons: [`${what} cancelled; ${name} stays on ${server.host}: ${server.status}`], tables: [table] });
  }
  if (record.status === 'completed') {
    return report({
      title: `Too late to abort: ${name} moved`,
      verdict: 'FAIL',
      reasons: [`${what} completed before the abort took; ${name} is ${where(server)}`],
      tables: [table],
      notes: [`To move it back: /migrate ${name} ${record.sourceCompute ?? 'SOURCE'}`],
    });
  }
  return report({ title: `The migration of ${name} ended ${record.status}`, verdict: 'WARN', reasons: [`${what} ended ${record.status}; ${name} is ${where(server)}`], tables: [table] });
}
