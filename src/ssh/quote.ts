/**
 * Building the one command line that goes over SSH from an argv.
 *
 * The remote side runs the line through a POSIX shell (`$SHELL -c LINE`), so every
 * argument is single-quoted: inside '...' nothing is special except the closing
 * quote, which is written as '\'' (close, escaped quote, reopen). Words made only
 * of characters no shell treats specially are left bare so the line stays
 * readable in logs; `=` is not among them, so `a=b` in command position can
 * never turn into a variable assignment.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Quotes one argument for a POSIX shell. Rejects NUL, which no argv can carry. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Options for {@link buildCommandLine}. */
export interface CommandLineOptions {
  /** A file to source first: `. 'FILE' && ...` (e.g. an openrc). */
  source?: string;
}

/**
 * The command line for an argv, each argument quoted with {@link quoteArg}:
 * `['gluster', 'volume', 'info', "x'y"]` → `gluster volume info 'x'\''y'`.
 */
export function buildCommandLine(argv: readonly string[], opts: CommandLineOptions = {}): string {
  if (argv.length === 0) throw new Error('cannot run an empty command');
  const line = argv.map(quoteArg).join(' ');
  return opts.source === undefined ? line : `. ${quoteArg(opts.source)} && ${line}`;
}
