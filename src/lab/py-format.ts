/**
 * The output formats of the Python CLIs the lab imitates: novaclient's
 * prettytable (left-aligned, column width = longest cell) and cliff's
 * `-f json` (json.dumps with indent=2, ensure_ascii).
 */
import stringWidth from 'string-width';

/** Display width; printable ASCII (nearly every cell) without the library's cost. */
const width = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s.length : stringWidth(s));

/** A novaclient table: `+---+` borders, one space of padding, cells left-aligned. */
export function prettyTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  // Widths are display widths, as python prettytable's wcwidth counts them (a CJK character is two columns).
  const widths = headers.map((h, i) => {
    let w = width(h);
    for (const r of rows) w = Math.max(w, width(r[i] ?? ''));
    return w;
  });
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));
  const line = (cells: readonly string[]) => '| ' + widths.map((w, i) => pad(cells[i] ?? '', w)).join(' | ') + ' |';
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
    if (typeof v === 'string' && /\\n|\n/.test(v)) {
      let first = k;
      // novaclient splits at literal `\n`; prettytable gives each real line break its own line too (pformat's).
      const pieces = v.includes('\\n') ? v.trim().split('\\n') : [v];
      for (const line of pieces.flatMap((piece) => piece.split('\n'))) {
        rows.push([first, line]);
        first = '';
      }
      continue;
    }
    rows.push([k, v === null || v === undefined ? '-' : String(v)]);
  }
  return rows;
}

/** Python's repr() of a str: single quotes unless only double quotes avoid escaping. */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const esc: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', [q]: `\\${q}` };
  return q + s.replace(/[\\\n\r\t'"\x00-\x1f\x7f]/g, (c) => esc[c] ?? (c === "'" || c === '"' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)) + q;
}

type Py = string | number | boolean | null | Py[] | { [k: string]: Py };

function pyReprAny(v: Py): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return pyRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyReprAny).join(', ')}]`;
  return `{${Object.keys(v).sort().map((k) => `${pyRepr(k)}: ${pyReprAny(v[k]!)}`).join(', ')}}`;
}

/**
 * Python 3.11's `pprint.pformat(value)` (width 80, sorted dict keys) for the lists,
 * dicts and strings novaclient prints that way (`nova instance-action`'s events).
 */
export function pyPformat(value: Py): string {
  const WIDTH = 80;
  const format = (v: Py, indent: number, allowance: number): string => {
    const rep = pyReprAny(v);
    if (rep.length <= WIDTH - indent - allowance) return rep;
    if (Array.isArray(v)) {
      const inner = indent + 1;
      return '[' + v.map((e, i) => format(e, inner, i === v.length - 1 ? allowance + 1 : 1)).join(',\n' + ' '.repeat(inner)) + ']';
    }
    if (v !== null && typeof v === 'object') {
      const inner = indent + 1;
      const keys = Object.keys(v).sort();
      return '{' + keys.map((k, i) => {
        const kr = pyRepr(k);
        return `${kr}: ${format(v[k]!, inner + kr.length + 2, i === keys.length - 1 ? allowance + 1 : 1)}`;
      }).join(',\n' + ' '.repeat(inner)) + '}';
    }
    if (typeof v === 'string' && v !== '') return wrapString(v, indent, allowance);
    return rep;
  };
  // pprint._pprint_str: each line on its own, a line too long cut after whitespace.
  const wrapString = (s: string, indent: number, allowance: number): string => {
    const lines = s.match(/[^\n]*\n|[^\n]+$/g) ?? [s];
    const chunks: string[] = [];
    const max = WIDTH - indent;
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;
      if (pyRepr(line).length <= max - (last ? allowance : 0)) return void chunks.push(pyRepr(line));
      const parts = line.match(/\S*\s*/g)!.filter((p) => p !== '');
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (pyRepr(candidate).length > max - (last && j === parts.length - 1 ? allowance : 0)) {
          if (current) chunks.push(pyRepr(current));
          current = part;
        } else current = candidate;
      });
      if (current) chunks.push(pyRepr(current));
    });
    return chunks.join('\n' + ' '.repeat(indent));
  };
  return format(value, 0, 0);
}
