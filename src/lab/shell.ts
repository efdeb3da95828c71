/**
 * Splits a command line the way bash would for the lab: simple commands
 * joined by `&&`, `||`, `;` or a newline, each with optional `VAR=value`
 * prefixes. Quoting follows POSIX (shell-quote's `parse`); nothing is
 * expanded, so `$(id)`, backticks and globs inside quotes arrive byte for byte.
 * Pipes, redirections, background jobs and subshells are refused.
 */
import { parse } from 'shell-quote';

/** One simple command: its `VAR=value` prefixes and its words. */
export interface SimpleCommand {
  env: Record<string, string>;
  argv: string[];
}

/** A simple command and how it joins the previous one (`null` for the first). */
export interface ShellStep {
  join: '&&' | '||' | ';' | null;
  command: SimpleCommand;
}

export type SplitResult = { ok: true; steps: ShellStep[] } | { ok: false; error: string; exitCode: number };

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Splits `line` into steps, or says why bash-in-the-lab will not run it. */
export function splitCommandLine(line: string): SplitResult {
  // Variables stay as written: the lab does not expand anything.
  const tokens = parse(newlinesToSemicolons(line), (key) => `$${key}`);
  const steps: ShellStep[] = [];
  let words: string[] = [];
  let join: ShellStep['join'] = null;
  const flush = (next: ShellStep['join'] | 'end', token: string): string | undefined => {
    if (words.length === 0) {
      if (next === 'end' && (join === null || join === ';')) return undefined;
      return `bash: -c: line 1: syntax error near unexpected token \`${token}'\n`;
    }
    steps.push({ join, command: toCommand(words) });
    words = [];
    join = next === 'end' ? null : next;
    return undefined;
  };
  for (const t of tokens) {
    if (typeof t === 'string') {
      words.push(t);
      continue;
    }
    if ('comment' in t) break;
    if (t.op === 'glob') {
      words.push(t.pattern);
      continue;
    }
    if (t.op === '&&' || t.op === '||' || t.op === ';') {
      const err = flush(t.op, t.op);
      if (err) return { ok: false, error: err, exitCode: 2 };
      continue;
    }
    return { ok: false, error: `lab shell: unsupported shell syntax '${t.op}': the lab runs simple commands joined by &&, || and ;\n`, exitCode: 2 };
  }
  const err = flush('end', join ?? 'newline');
  if (err) return { ok: false, error: err, exitCode: 2 };
  return { ok: true, steps };
}

function toCommand(words: string[]): SimpleCommand {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && ASSIGNMENT.test(words[i]!); i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    env[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return { env, argv: words.slice(i) };
}

/** An unquoted newline ends a command in bash; shell-quote would take it for a blank. */
function newlinesToSemicolons(line: string): string {
  let out = '';
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') {
      out += c + (line[++i] ?? '');
      continue;
    } else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '\n') {
      // After && or || bash reads on; elsewhere a newline separates commands.
      out += /(&&|\|\||;)\s*$/.test(out) || out.trim() === '' ? ' ' : ' ; ';
      continue;
    }
    out += c;
  }
  return out;
}
