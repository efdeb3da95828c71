/**
 * The audit trail: every command, allowed or refused, as a pino line and an
 * entry in a Redis stream (`/ferry audit` reads it back).
 */
import type { Redis } from 'ioredis';
import type { Logger } from './log.js';
import type { Verdict } from './report.js';
import { isRedisUnavailable, redactUrl } from './redis.js';

export interface AuditEntry {
  at: string;
  user: string;
  command: string;
  /** The line as typed (validated arguments only ever reach SSH). */
  line: string;
  channel: string;
  outcome: 'ok' | 'warn' | 'fail' | 'refused' | 'usage' | 'error' | 'queued' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  detail?: string;
}

export interface Audit {
  /**
   * Writes the entry. Resolves with a note for the answer when the entry could
   * only go to the log (Redis unreachable), undefined when it is in the trail.
   */
  record(entry: Omit<AuditEntry, 'at'>): Promise<string | undefined>;
  /** Newest first. */
  recent(n: number): Promise<AuditEntry[]>;
}

export const AUDIT_STREAM = 'ferry:audit';

/** The audit outcome of a finished report (UNKNOWN is never ok: it is recorded as a warning). */
export function outcomeOf(verdict: Verdict): 'ok' | 'warn' | 'fail' {
  return verdict === 'FAIL' ? 'fail' : verdict === 'WARN' || verdict === 'UNKNOWN' ? 'warn' : 'ok';
}

/**
 * Audit to the log and to a capped Redis stream. While Redis is unreachable the
 * log line is the only record, and the answer says so.
 */
export function redisAudit(redis: Redis, log: Logger, url?: string): Audit {
  const logOnly = `audit: Redis${url ? ` at ${redactUrl(url)}` : ''} is unreachable; this entry went to the log only`;
  return {
    async record(entry) {
      const full: AuditEntry = { at: new Date().toISOString(), ...entry };
      if (redis.status === 'ready') {
        try {
          await redis.xadd(AUDIT_STREAM, 'MAXLEN', '~', '100000', '*', 'entry', JSON.stringify(full));
          log.info({ audit: full }, 'audit');
          return undefined;
        } catch (err) {
          if (!isRedisUnavailable(err)) {
            log.info({ audit: full }, 'audit');
            throw err;
          }
        }
      }
      // The log is the only record now: at warn, so that a quieter log level keeps it.
      log.warn({ audit: full }, 'audit (log only: Redis unreachable)');
      return logOnly;
    },
    async recent(n) {
      const rows = await redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', n);
      return rows.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as AuditEntry);
    },
  };
}

/** Audit to the log only, for a `ferry run` without Redis. */
export function logAudit(log: Logger): Audit {
  const kept: AuditEntry[] = [];
  return {
    async record(entry) {
      const full: AuditEntry = { at: new Date().toISOString(), ...entry };
      log.info({ audit: full }, 'audit');
      kept.unshift(full);
      return undefined;
    },
    async recent(n) {
      return kept.slice(0, n);
    },
  };
}
