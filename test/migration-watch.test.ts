/**
 * When the migration watch looks: one look timed by nova's copy progress to see the end of
 * the copy, instead of up to a poll interval after it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseMigrationList } from '../src/cluster/nova-text.js';
import type { Migration } from '../src/cluster/nova-types.js';
import { AIM_AFTER_MS, asksRecord, copyEndEstimate, nextLook } from '../src/jobs/migration-watch.js';
import { FIXTURES } from './support/fixtures.js';

const real = (name: string) => {
  const text = readFileSync(path.join(FIXTURES, 'real', 'nova-26', name), 'utf8');
  return text.slice(text.indexOf('\n\n') + 2);
};
const copied = (processed: number, total: number): Migration[] => [
  { ...parseMigrationList(real('nova-server-migration-list-cirros1-during.txt'))[0]!, memory: { totalBytes: total, processedBytes: processed, remainingBytes: total - processed } },
];

describe('the end of the copy', () => {
  test('is estimated from the share copied so far: 2 of 11 parts in 2 s, 9 more s to go', () => {
    expect(copyEndEstimate(1000, 3000, copied(2 << 20, 11 << 20))).toBe(12_000);
  });

  test('is not guessed where nova reports no progress (real nova 26 with its fake driver prints None), nor before a byte is copied', () => {
    const during = parseMigrationList(real('nova-server-migration-list-cirros1-during.txt'));
    expect(during[0]?.status).toBe('running');
    expect(copyEndEstimate(1000, 3000, during)).toBeUndefined();
    expect(copyEndEstimate(1000, 3000, copied(0, 11 << 20))).toBeUndefined();
    expect(copyEndEstimate(1000, 3000, [])).toBeUndefined();
  });
});

describe('the next look', () => {
  const interval = 2000;
  test('is moved to reach nova just after the estimated end, when that comes before the look after next', () => {
    // Last look at 6 s; the copy ends at 11 s; a call takes 2 s to reach nova: start at 9.2 s, not 8 s (seen at 10 s, then 12 s).
    const end = 11_000;
    const call = 2000;
    expect(nextLook(8000, 8000, interval, end + AIM_AFTER_MS - call)).toEqual({ at: 9000 + AIM_AFTER_MS, aimed: true });
  });

  test('keeps the beat while the end is far or already behind', () => {
    expect(nextLook(2000, 2000, interval, 30_000)).toEqual({ at: 2000, aimed: false });
    expect(nextLook(9500, 8000, interval, 9200)).toEqual({ at: 9500, aimed: false });
    expect(nextLook(2000, 4000, interval, undefined)).toEqual({ at: 4000, aimed: false });
  });

  test('asks for the record with the aimed look and with looks that reach nova within a poll interval of the end', () => {
    expect(asksRecord(true, 0, undefined, interval)).toBe(true);
    expect(asksRecord(false, 8000, 11_000, interval)).toBe(false);
    expect(asksRecord(false, 9000, 11_000, interval)).toBe(true);
    expect(asksRecord(false, 13_000, 11_000, interval)).toBe(true);
    expect(asksRecord(false, 13_000, undefined, interval)).toBe(false);
  });
});
