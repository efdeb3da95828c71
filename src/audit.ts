/**
 * The audit trail: every command, allowed or refused, as a pino line and an
 * entry in a Redis stream (`/ferry audit` reads it back).
 */
import type { Redis } from 'ioredis';
import type { Logger } from './log.js';
import type { Verdict } from './report.js';

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
  record(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  /** Newest first. */
  recent(n: number): Promise<AuditEntry[]>;
}

export const AUDIT_STREAM = 'ferry:audit';

/** The audit outcome of a finished report. */
export function outcomeOf(verdict: Verdict): 'ok' | 'warn' | 'fail' {
  return verdict === 'FAIL' ? 'fail' : verdict === 'WARN' ? 'warn' : 'ok';
}

/** Audit to the log and to a capped Redis stream. */
export function redisAudit(redis: Redis, log: Logger): Audit {
  return {
    async record(entry) {
      const full: AuditEntry = { at: new Date().toISOString(), ...entry };
      log.info({ audit: full }, 'audit');
      await redis.xadd(AUDIT_STREAM, 'MAXLEN', '~', '100000', '*', 'entry', JSON.stringify(full));
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
    },
    async recent(n) {
      return kept.slice(0, n);
    },
  };
}
