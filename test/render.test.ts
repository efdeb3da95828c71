import { describe, expect, test } from 'vitest';
import { user } from '../src/mention.js';
import { report, type Report, type Table } from '../src/report.js';
import { checkSlackLimits, EMPTY_CELL, renderSlack, SLACK_LIMITS, type SlackBlock, type SlackMessage } from '../src/slack/blocks.js';
import { renderTerminal } from '../src/cli/render-terminal.js';
import { displayWidth } from '../src/text-table.js';
import { renderJson } from '../src/cli/render-json.js';

function bricks(rows: number, title = 'Bricks'): Table {
  return {
    title,
    columns: ['Host', 'Brick', 'Online', 'PID'],
    rows: Array.from({ length: rows }, (_, i) => [`compute${String(i).padStart(3, '0')}`, '/gluster/instances', i % 7 ? 'Y' : 'N', String(1000 + i)]),
  };
}

/** The blocks of one type, seen as the shape the test reads. */
function blocksOf<T = SlackBlock>(msg: SlackMessage, type: string): T[] {
  return msg.blocks.filter((b) => b.type === type) as unknown as T[];
}

type TableBlock = { rows: { type: string; text: string }[][]; column_settings?: { align: string }[] };
type TextBlock = { text: { text: string } };

/** Everything a reader sees in a message, as one string. */
function visibleText(msg: SlackMessage): string {
  return JSON.stringify(msg.blocks);
}

function expectWithinLimits(messages: SlackMessage[]): void {
  messages.forEach((m, i) => {
    expect(checkSlackLimits(m), `message ${i}`).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(m.text.length).toBeGreaterThan(0);
    expect(m.text.length).toBeLessThanOrEqual(3000);
    expect(blocksOf(m, 'table').length).toBeLessThanOrEqual(1);
  });
  expect(blocksOf(messages[0]!, 'table')).toHaveLength(1);
}

describe('renderSlack', () => {
  test('a 300-row table becomes one table block of 100 rows and says 200 rows were cut', () => {
    const r = report({ title: 'Volume vm-instances', verdict: 'WARN', reasons: ['brick compute003 is offline'], tables: [bricks(299)] });
    const messages = renderSlack(r);
    expect(messages).toHaveLength(1);
    expectWithinLimits(messages);
    const [table] = blocksOf<TableBlock>(messages[0]!, 'table') as [TableBlock];
    expect(table.rows).toHaveLength(100);
    expect(table.rows[0]!.map((c) => c.text)).toEqual(['Host', 'Brick', 'Online', 'PID']);
    expect(table.rows[1]![0]).toEqual({ type: 'raw_text', text: 'compute000' });
    expect(visibleText(messages[0]!)).toContain('… 200 more rows not shown (299 in all)');
  });

  test('a 60-table report with 60 reasons stays within the limits, spilling tables into thread replies', () => {
    const r = report({
      title: 'Evacuation plan for compute01',
      verdict: 'FAIL',
      reasons: Array.from({ length: 60 }, (_, i) => `instance vm-${i} cannot move: target has no room (needs 4 GiB, 2 free)`),
      tables: Array.from({ length: 60 }, (_, i) => bricks(40, `Table ${i}`)),
      notes: ['Run /gluster heal vm-instances first.', 'See the runbook.'],
    });
    const messages = renderSlack(r);
    expect(messages.length).toBeGreaterThan(1);
    expectWithinLimits(messages);
    for (const m of messages.slice(1)) expect(blocksOf(m, 'table')).toHaveLength(0);
    // No table silently dropped: each title is shown once, in some message.
    const all = messages.map(visibleText).join('\n');
    for (let i = 0; i < 60; i++) expect(all).toContain(`*Table ${i}*`);
    expect(visibleText(messages[0]!)).toMatch(/… \d+ more tables in this message's thread/);
    expect(visibleText(messages[0]!)).toContain('Run /gluster heal vm-instances first.');
    expect(messages[1]!.text).toContain('continued (2/');
  });

  test('the header is cut at 150 characters, visibly', () => {
    const messages = renderSlack(report({ title: 'x'.repeat(400), verdict: 'OK' }));
    const [header] = blocksOf<TextBlock>(messages[0]!, 'header') as [TextBlock];
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.startsWith(':white_check_mark: xxx')).toBe(true);
    expect(header.text.text.endsWith('…')).toBe(true);
    expectWithinLimits(renderSlack(report({ title: 'x'.repeat(400), tables: [bricks(1)] })));
  });

  test('too many reasons are cut with a count, in the section and in the fallback text', () => {
    const reasons = Array.from({ length: 300 }, (_, i) => `reason ${i} `.padEnd(100, '.'));
    const [msg] = renderSlack(report({ title: 'Preflight', verdict: 'FAIL', reasons }));
    const [section] = blocksOf<TextBlock>(msg!, 'section') as [TextBlock];
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toMatch(/_… \d+ more reasons_$/);
    expect(msg!.text).toMatch(/… \d+ more reasons$/);
    expect(checkSlackLimits(msg!)).toEqual([]);
  });

  test('mrkdwn text is escaped; INFO has no verdict line', () => {
    const [msg] = renderSlack(report({ title: 'a <b> & c', reasons: ['host <none> & more'] }));
    const text = visibleText(msg!);
    expect(text).toContain('host &lt;none&gt; &amp; more');
    expect(text).not.toContain('Verdict');
    expect(msg!.text).toBe('a &lt;b&gt; &amp; c\n• host &lt;none&gt; &amp; more');
  });

  test('who asked is a real mention in Slack (context block), mentions in text stay mentions, other markup stays escaped', () => {
    const r = report({ title: 'Migration', verdict: 'WARN', reasons: [`FORCED by ${user('U_OPS')} past: x <b>`], notes: [`approved by ${user('U0APPROVER')}`], requestedBy: 'U_OPS' });
    const [msg] = renderSlack(r);
    const contexts = blocksOf<{ elements: { text: string }[] }>(msg!, 'context').map((b) => b.elements[0]!.text);
    expect(contexts).toContain('asked by <@U_OPS>');
    expect(visibleText(msg!)).toContain('FORCED by <@U_OPS> past: x &lt;b&gt;');
    expect(visibleText(msg!)).toContain('approved by <@U0APPROVER>');
    expect(visibleText(msg!)).not.toContain('&lt;@');
    // Not a user id: escaped like any text, never a live link.
    const [odd] = renderSlack(report({ title: 't', requestedBy: '!channel' }));
    expect(visibleText(odd!)).toContain('asked by !channel');
    expect(visibleText(odd!)).not.toContain('<!channel>');
    expect([msg!, odd!].flatMap((m) => checkSlackLimits(m))).toEqual([]);
  });

  test('wide tables keep 20 columns and say so; empty and long cells are made valid', () => {
    const columns = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const rows = [columns.map((_, i) => (i === 0 ? '' : i === 1 ? 'y'.repeat(2000) : String(i)))];
    const [msg] = renderSlack(report({ title: 'Wide', tables: [{ title: 'Wide', columns, rows }] }));
    const [table] = blocksOf<TableBlock>(msg!, 'table') as [TableBlock];
    expect(table.rows.every((r) => r.length === 20)).toBe(true);
    expect(table.rows[1]![0]!.text).toBe(EMPTY_CELL);
    expect(table.rows[1]![1]!.text.length).toBeLessThanOrEqual(500);
    expect(table.rows[1]![1]!.text.endsWith('…')).toBe(true);
    expect(table.column_settings?.[2]).toEqual({ align: 'right' });
    expect(visibleText(msg!)).toContain('… 10 more columns not shown');
    expect(checkSlackLimits(msg!)).toEqual([]);
  });

  test('a long second table becomes a preformatted section cut with "… N more rows"', () => {
    const [msg] = renderSlack(report({ title: 'Two', tables: [bricks(2), bricks(500, 'Heal info')] }));
    const sections = blocksOf<TextBlock>(msg!, 'section');
    const heal = sections.find((s) => s.text.text.startsWith('*Heal info*'))!;
    expect(heal.text.text.length).toBeLessThanOrEqual(3000);
    expect(heal.text.text).toContain('```\nHost ');
    expect(heal.text.text).toMatch(/```\n_… \d+ more rows not shown \(500 in all\)_$/);
    expect(checkSlackLimits(msg!)).toEqual([]);
  });

  test('a report with no tables and no reasons is a header alone', () => {
    const [msg] = renderSlack(report({ title: 'Pong' }));
    expect(msg!.blocks.map((b) => b.type)).toEqual(['header']);
    expect(msg!.text).toBe('Pong');
  });
});

describe('checkSlackLimits', () => {
  const table = { type: 'table', rows: [[{ type: 'raw_text', text: 'a' }]] };
  const section = (n: number): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(n) } });
  test.each([
    ['two tables', { blocks: [table, table] }, /^only_one_table_allowed/],
    ['51 blocks', { blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, /no more than 50 items/],
    ['header of 151', { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }, /less than 151 characters.*blocks\/0\/text\/text/],
    ['section of 3001', { blocks: [section(3001)] }, /less than 3001 characters/],
    ['text of 40001', { text: 't'.repeat(40_001) }, /^msg_too_long/],
    ['101 table rows', { blocks: [{ type: 'table', rows: Array.from({ length: 101 }, () => table.rows[0]) }] }, /1 to 100 rows/],
    ['21 cells', { blocks: [{ type: 'table', rows: [Array.from({ length: 21 }, () => ({ type: 'raw_text', text: 'a' }))] }] }, /1 to 20 cells/],
    ['an empty raw_text', { blocks: [{ type: 'table', rows: [[{ type: 'raw_text', text: '' }]] }] }, /rows\/0\/0\/text/],
    ['too much text in all', { blocks: [section(3000), section(3000), section(3000), section(3000), section(3000)] }, /^msg_blocks_too_long/],
  ])('refuses %s', (_, message, expected) => {
    const found = checkSlackLimits(message);
    expect(found.some((v) => expected.test(v)), found.join('\n')).toBe(true);
  });

  test('accepts a plain message and unknown block types', () => {
    expect(checkSlackLimits({ text: 'hi' })).toEqual([]);
    expect(checkSlackLimits({ text: 'hi', blocks: [{ type: 'actions', elements: [] }, table] })).toEqual([]);
  });
});

describe('renderTerminal', () => {
  const r: Report = report({
    title: 'Volume vm-instances',
    verdict: 'WARN',
    reasons: ['brick compute03:/gluster/instances is offline'],
    tables: [
      { title: 'Bricks', columns: ['Host', 'Path', 'Online'], rows: [['compute01', '/gluster/instances', 'Y'], ['c3', '/g', 'N'], ['compute-long-name', '', 'Y']] },
      { title: 'Peers', columns: ['Peer', 'State'], rows: [] },
    ],
    notes: ['Run /gluster heal first.'],
  });

  /** Column starts from the dashed underline, which sits right under the header. */
  function columnStarts(underline: string): number[] {
    return [...underline.matchAll(/-+/g)].map((m) => m.index);
  }

  test('columns line up under the header, no ANSI codes without colour', () => {
    const out = renderTerminal(r, { color: false });
    expect(out).not.toContain('\x1b[');
    const lines = out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['Volume vm-instances', 'Verdict: WARN', '  - brick compute03:/gluster/instances is offline']);
    const head = lines.indexOf('Bricks') + 1;
    const starts = columnStarts(lines[head + 1]!);
    expect(starts).toHaveLength(3);
    for (const line of lines.slice(head, head + 5)) {
      for (const s of starts.slice(1)) expect(line.slice(s - 2, s), line).toBe('  ');
    }
    // Each cell starts exactly at its column.
    expect(lines[head]!.indexOf('Online')).toBe(starts[2]);
    expect(lines[head + 2]!.indexOf('/gluster')).toBe(starts[1]);
    expect(lines[head + 3]!.lastIndexOf('N')).toBe(starts[2]);
    expect(lines[head + 4]!.lastIndexOf('Y')).toBe(starts[2]);
    expect(out).toContain('Peers\nPeer  State\n----  -----\n(no rows)');
    expect(lines.at(-1)).toBe('Run /gluster heal first.');
  });

  test('colour only when asked: the verdict in yellow for WARN, red for FAIL, green for OK', () => {
    expect(renderTerminal(r, { color: true })).toContain('Verdict: \x1b[33mWARN\x1b[0m');
    expect(renderTerminal({ ...r, verdict: 'FAIL' }, { color: true })).toContain('\x1b[31mFAIL\x1b[0m');
    expect(renderTerminal({ ...r, verdict: 'OK' }, { color: true })).toContain('\x1b[32mOK\x1b[0m');
    expect(renderTerminal({ ...r, verdict: 'INFO' }, { color: false })).not.toContain('Verdict');
  });

  test('a narrow terminal cuts the widest column; wide characters count double', () => {
    const t = report({ title: 't', tables: [{ title: 'T', columns: ['名前', 'x'], rows: [['ストレージ', 'a'.repeat(80)], ['ab', 'b']] }] });
    const lines = renderTerminal(t, { color: false, width: 40 }).split('\n').slice(3);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    // The second column starts at the same display column on every line.
    const col = (line: string): number => displayWidth(line.slice(0, line.search(/(?<=  )[^ ]/)));
    expect(new Set(lines.map(col)).size).toBe(1);
    expect(lines[2]).toMatch(/a…$/);
  });

  test('who asked is the plain id on the terminal, mentions in text too', () => {
    const out = renderTerminal(report({ title: 'Migration', reasons: [`FORCED by ${user('U_OPS')} past: x`], requestedBy: 'U_OPS' }), { color: false });
    expect(out).toContain('FORCED by @U_OPS past: x');
    expect(out.split('\n').at(-1)).toBe('asked by U_OPS');
    expect(out).not.toContain('<@');
  });

  test('control characters from remote output cannot reach the terminal', () => {
    const t = report({ title: 'evil\x1b[2J', tables: [{ title: 'T', columns: ['a'], rows: [['x\ny\x1b]0;pwn\x07']] }] });
    expect(renderTerminal(t, { color: false })).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe('renderJson', () => {
  test('round-trips, in a stable key order', () => {
    const r: Report = { notes: ['n'], tables: [{ rows: [['1']], columns: ['a'], title: 'T' }], reasons: ['why'], verdict: 'OK', title: 'Status' };
    const json = renderJson(r);
    expect(JSON.parse(json)).toEqual(r);
    expect(json).toBe(renderJson(JSON.parse(json) as Report));
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['title', 'verdict', 'reasons', 'tables', 'notes']);
    expect(json).toMatch(/"title": "T",\n\s+"columns"/);
    expect(json.split('\n')[1]).toBe('  "title": "Status",');
  });
});
