/**
 * A small argparse: options with values (`--host H`, `--host=H`), flags, and
 * positionals; what it does not know it reports, so a command can refuse the
 * way the real CLI does.
 */

export interface ParsedArgs {
  positional: string[];
  /** The last value of each option. */
  values: Map<string, string>;
  /** Every option value in order, for options that may repeat (`-c A -c B`). */
  all: [string, string][];
  flags: Set<string>;
  /** Options the spec does not know. */
  unknown: string[];
  /** An option that wants a value but had none. */
  missingValue?: string;
}

export interface ArgSpec {
  /** Options taking a value, e.g. '--host'. */
  values?: readonly string[];
  /** Options without a value, e.g. '--all-tenants'. */
  flags?: readonly string[];
  /** Options whose value is optional (argparse nargs='?'): taken only when the next word is not an option. */
  optionalValues?: readonly string[];
}

export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), all: [], flags: new Set(), unknown: [] };
  const values = new Set(spec.values ?? []);
  const flags = new Set(spec.flags ?? []);
  const optional = new Set(spec.optionalValues ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (values.has(name) || optional.has(name)) {
      let value: string | undefined;
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < args.length && !(optional.has(name) && args[i + 1]!.startsWith('-'))) value = args[++i]!;
      else if (optional.has(name)) out.flags.add(name);
      else out.missingValue = name;
      if (value !== undefined) {
        out.values.set(name, value);
        out.all.push([name, value]);
      }
    } else if (flags.has(name)) {
      out.flags.add(name);
    } else {
      out.unknown.push(a);
    }
  }
  return out;
}
