/**
 * The import graph of src/ and commands/ keeps its layers: no cycles, and no arrow from a
 * lower layer up. The layer table mirrors docs/DESIGN.md "Layers".
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Rank of each layer: a module may import only its own layer or a lower rank. */
const LAYERS: { name: string; rank: number; match: (file: string) => boolean }[] = [
  { name: 'shared', rank: 0, match: (f) => /^src\/(report|config|config-files|log|errors|timeout|text-table)\.ts$/.test(f) },
  { name: 'ssh', rank: 1, match: (f) => f.startsWith('src/ssh/') },
  { name: 'cluster', rank: 2, match: (f) => f.startsWith('src/cluster/') },
  { name: 'lab', rank: 2, match: (f) => f.startsWith('src/lab/') },
  { name: 'jobs', rank: 3, match: (f) => f.startsWith('src/jobs/') },
  { name: 'commands', rank: 4, match: (f) => f.startsWith('commands/') },
  { name: 'slack', rank: 5, match: (f) => f.startsWith('src/slack/') },
  { name: 'cli', rank: 6, match: (f) => f.startsWith('src/cli/') },
];

/** What a command must not import: the transports under the facades (ctx.cluster, ctx.jobs). */
const RAW_MODULES = [/^ssh2$/, /^ioredis$/, /^bullmq$/, /\/src\/ssh\//, /\/src\/jobs\/jobs\.js$/, /\/src\/redis\.js$/];
/** Names that hand out a transport: the cluster's SSH handle. */
const RAW_NAMES = ['sshOf'];

function layerOf(file: string) {
  return LAYERS.find((l) => l.match(file));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** Relative imports of every file (type-only imports count: they are arrows too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sourceFiles('src'), ...sourceFiles('commands')]) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = info.importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.posix.normalize(path.posix.join(path.posix.dirname(file), name)).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every elementary cycle found by depth-first search, each named once as "a → b → a". */
function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        const start = loop.indexOf([...loop].sort()[0]!);
        const turned = [...loop.slice(start), ...loop.slice(0, start)];
        found.add([...turned, turned[0]].join(' → '));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return [...found].sort();
}

describe('architecture', () => {
  const graph = importGraph();

  it('has no import cycles in src/ and commands/', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import from a lower layer up', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      if (!from) continue;
      for (const target of targets) {
        const to = layerOf(target);
        if (to && to.rank > from.rank) upward.push(`${file} (${from.name}) → ${target} (${to.name})`);
        if (to && to !== from && to.rank === from.rank) upward.push(`${file} (${from.name}) → ${target} (${to.name}, a peer)`);
      }
    }
    expect(upward.sort()).toEqual([]);
  });

  it('lets commands reach SSH, Redis and BullMQ only through the cluster and job facades', () => {
    const reached: string[] = [];
    for (const file of sourceFiles('commands')) {
      const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
      for (const stmt of source.statements) {
        if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
        const from = stmt.moduleSpecifier.text;
        if (RAW_MODULES.some((m) => m.test(from))) reached.push(`${file} imports ${from}`);
        const named = stmt.importClause?.namedBindings;
        if (named && ts.isNamedImports(named)) for (const n of named.elements) if (RAW_NAMES.includes((n.propertyName ?? n.name).text)) reached.push(`${file} imports ${(n.propertyName ?? n.name).text} from ${from}`);
      }
    }
    expect(reached.sort()).toEqual([]);
  });

  it('reads a non-empty graph', () => {
    expect(graph.get('src/jobs/evacuation.ts')).toContain('src/jobs/locks.ts');
  });
});
