/**
 * The real gluster captures (test/fixtures/real/...), grouped per run: one
 * command's stdout and stderr files together, as a GlusterRun.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GlusterRun } from '../../src/cluster/gluster-answer.js';
import { FIXTURES } from './fixtures.js';

export interface CapturedRun extends GlusterRun {
  /** `healthy/volume-status.xml`: directory and file name without the stream suffix. */
  base: string;
  scenario: string;
  command: string;
  /** The files the run was read from. */
  files: string[];
}

/** Every run under `dir` (relative to test/fixtures), sorted by base name. */
export function capturedRuns(dir: string): CapturedRun[] {
  const root = path.join(FIXTURES, dir);
  const runs = new Map<string, CapturedRun>();
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const m = d.isFile() ? /^(.*)\.(stdout|stderr)\.txt$/.exec(d.name) : null;
    if (!m) continue;
    const rel = path.relative(root, path.join(d.parentPath, d.name));
    const base = path.join(path.dirname(rel), m[1]!);
    const text = readFileSync(path.join(root, rel), 'utf8');
    const cut = text.indexOf('\n\n');
    const header = Object.fromEntries(text.slice(0, cut).split('\n').map((l) => /^# (\w+): (.*)$/.exec(l)!.slice(1, 3) as [string, string]));
    const run = runs.get(base) ?? { base, scenario: path.dirname(rel), command: header.command!, host: header.node!, argv: [], exitCode: Number(header.exit), stdout: '', stderr: '', files: [] };
    run.argv = header.command!.split(' ');
    run[m[2] as 'stdout' | 'stderr'] = text.slice(cut + 2);
    run.files.push(rel);
    runs.set(base, run);
  }
  return [...runs.values()].sort((a, b) => a.base.localeCompare(b.base));
}
