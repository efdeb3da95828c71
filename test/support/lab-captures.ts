/**
 * Comparing the lab's answers with captured real output: a capture's stdout,
 * stderr and exit code against what the lab answers to the same command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { LabModelHandle } from '../../src/lab/model.js';
import { FIXTURES } from './fixtures.js';
import { mask } from './mask.js';

interface Capture {
  command: string;
  node: string;
  exit: number;
  stdout: string;
  stderr: string;
}

/** A capture: header (`# command:`, `# node:`, `# exit:`), a blank line, the exact bytes; a stream without a file printed nothing. */
export function capture(base: string): Capture {
  const out: Capture = { command: '', node: 'control', exit: 0, stdout: '', stderr: '' };
  let found = false;
  for (const stream of ['stdout', 'stderr'] as const) {
    const file = `${FIXTURES}${base}.${stream}.txt`;
    if (!existsSync(file)) continue;
    found = true;
    const text = readFileSync(file, 'utf8');
    const cut = text.indexOf('\n\n');
    for (const line of text.slice(0, cut).split('\n')) {
      const m = /^# (\w+): (.*)$/.exec(line);
      if (m?.[1] === 'command') out.command = m[2]!;
      if (m?.[1] === 'node') out.node = m[2]!;
      if (m?.[1] === 'exit') out.exit = Number(m[2]);
    }
    out[stream] = text.slice(cut + 2);
  }
  if (!found) throw new Error(`no capture ${base}`);
  return out;
}

/**
 * The loosening: real gluster lists peers' self-heal daemons, and glfsheal
 * lists pending entries, in an order that changes from run to run (the
 * healthy captures themselves disagree), so those runs of lines (or XML
 * <node> blocks) are compared as sorted sets. Everything else is byte for byte.
 */
function normalize(text: string): string {
  const sortRuns = (lines: string[], re: RegExp) => {
    for (let i = 0; i < lines.length; ) {
      let j = i;
      while (j < lines.length && re.test(lines[j]!)) j++;
      if (j > i + 1) lines.splice(i, j - i, ...lines.slice(i, j).sort());
      i = Math.max(j, i + 1);
    }
  };
  const shdBlocks = text.replace(/(?: {8}<node>\n[\s\S]*? {8}<\/node>\n)+/g, (run) => {
    const blocks = run.match(/ {8}<node>\n[\s\S]*? {8}<\/node>\n/g)!;
    const shd = blocks.filter((b) => b.includes('Self-heal Daemon')).sort();
    return blocks.map((b) => (b.includes('Self-heal Daemon') ? shd.shift()! : b)).join('');
  });
  const lines = shdBlocks.split('\n');
  sortRuns(lines, /^Self-heal Daemon on (?!localhost)/);
  sortRuns(lines, /^\/.* $/);
  sortRuns(lines, /^\s*<file gfid=/);
  return lines.join('\n');
}

const comparable = (s: string) => normalize(mask(s));

/** Runs the capture's command (or `line`) on its node and compares stdout, stderr and exit code. */
export async function expectCapture(lab: LabModelHandle, base: string, line?: string): Promise<void> {
  const want = capture(base);
  const got = await lab.run(want.node, line ?? want.command);
  expect({ exit: got.exitCode, stdout: comparable(got.stdout), stderr: comparable(got.stderr) }).toEqual({
    exit: want.exit,
    stdout: comparable(want.stdout),
    stderr: comparable(want.stderr),
  });
}

