/**
 * The aligner measures plain ASCII cells by their length and everything else by
 * graphemes: a column stays aligned whichever way each of its cells was measured.
 */
import { expect, test } from 'vitest';
import { displayWidth, formatTextTable } from '../src/text-table.js';

test('display width: ASCII one column a character, combining marks none, wide and emoji two', () => {
  expect(displayWidth('compute01  ~/x_[1]')).toBe(18);
  expect(displayWidth('')).toBe(0);
  expect(displayWidth('e\u0301t\u00e9')).toBe(3);
  expect(displayWidth('ストレージ')).toBe(10);
  expect(displayWidth('ok ✅')).toBe(5);
  expect(displayWidth('caf\u00e9 \u2026')).toBe(6);
});

test('ASCII and non-ASCII cells of one column line up, cut to the same width', () => {
  const rows = [
    ['compute01', 'a'.repeat(30)],
    ['e\u0301e\u0301', 'ストレージ'.repeat(4)],
    ['x', 'caf\u00e9 '.repeat(8)],
  ];
  const lines = formatTextTable(['Node', 'Note'], rows, { maxWidth: 24 });
  // The second column starts at the same display column on every line.
  const start = (line: string): number => displayWidth(line.slice(0, line.search(/(?<=  )[^ -]/)));
  expect(new Set(lines.filter((l) => !l.startsWith('-')).map(start))).toEqual(new Set([11]));
  expect(lines.map(displayWidth)).toEqual([15, 24, 24, 24, 24]);
  expect(lines[2]).toBe(`compute01  ${'a'.repeat(12)}…`);
  expect(lines[3]).toBe(`e\u0301e\u0301         ストレージス…`);
});
