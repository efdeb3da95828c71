/**
 * The output formats of the Python CLIs the lab imitates: novaclient's
 * prettytable (left-aligned, column width = longest cell) and cliff's
 * `-f json` (json.dumps with indent=2, ensure_ascii).
 */

/** A novaclient table: `+---+` borders, one space of padding, cells left-aligned. */
export function prettyTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => {
    let w = h.length;
    for (const r of rows) w = Math.max(w, (r[i] ?? '').length);
    return w;
  });
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: readonly string[]) => '| ' + widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ') + ' |';
  const out = [rule, line(headers), rule];
  for (const r of rows) out.push(line(r));
  out.push(rule);
  return out.join('\n') + '\n';
}

/** novaclient's `print_dict`: a Property | Value table, keys in code-point order. */
export function propertyTable(props: Record<string, unknown>): string {
  return prettyTable(['Property', 'Value'], printDictRows(props));
}

/** Python's json.dumps(obj, indent=2) with ensure_ascii, plus cliff's trailing newline. */
export function pyJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return text + '\n';
}

/** `2026-11-24T06:21:27.000000`, the format nova's API gives most timestamps in. */
export function isoMicro(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + '.000000';
}

/** `2026-11-24T06:21:27Z`, the format of a server's created/updated. */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** How novaclient prints a missing value in tables: `-`. */
export function dash(v: string | null | undefined): string {
  return v === null || v === undefined ? '-' : v;
}

/** Python's json.dumps(value) with default separators (`, ` and `: `), as novaclient prints dict values. */
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[' + value.map(pyDumps).join(', ') + ']';
  if (typeof value === 'object') {
    return '{' + Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyJsonString(k)}: ${pyDumps(v)}`).join(', ') + '}';
  }
  if (typeof value === 'string') return pyJsonString(value);
  return String(value);
}

function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * novaclient's print_dict rows: dict and list values JSON-dumped, None as `-`,
 * and a value holding a literal `\n` split over several rows (a fault's traceback).
 */
export function printDictRows(props: Record<string, unknown>): string[][] {
  const rows: string[][] = [];
  for (const k of Object.keys(props).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    let v = props[k];
    if (v !== null && typeof v === 'object') v = pyDumps(v);
    if (typeof v === 'string' && v.includes('\\n')) {
      let first = k;
      for (const line of v.trim().split('\\n')) {
        rows.push([first, line]);
        first = '';
      }
      continue;
    }
    rows.push([k, v === null || v === undefined ? '-' : String(v)]);
  }
  return rows;
}
