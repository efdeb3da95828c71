/**
 * Reads the Python literals novaclient prints with `pprint.pformat` (the `events`
 * of `nova instance-action`): lists, tuples, dicts, str (adjacent literals joined,
 * as pformat splits a long string over lines), int, float, None, True, False.
 *
 * A raw line break inside a quoted string stands for `\n`: novaclient's print_dict
 * splits a value at every literal `\n` escape and puts each piece on its own table
 * row, so the table reader hands the escape back as a line break.
 */
import { ClusterError } from '../errors.js';

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Parses one Python literal; a ClusterError of kind `unparsable` naming `what` if it is not one. */
export function parsePyLiteral(text: string, what: string): unknown {
  let i = 0;
  const fail = (why: string): never => {
    throw new ClusterError(`could not parse ${what}: ${why} at offset ${i}`, 'unparsable');
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const q = text[i++]!;
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail('unterminated string');
      if (c === q) return out;
      if (c === '\n') out += '\n';
      else if (c !== '\\') out += c;
      else {
        const e = text[i++] ?? '';
        if (e in ESCAPES) out += ESCAPES[e];
        else if (e === 'x' || e === 'u' || e === 'U') {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = text.slice(i, i + n);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) fail(`bad \\${e} escape`);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += n;
        } else out += `\\${e}`;
      }
    }
  };
  const seq = (close: string): unknown[] => {
    const items: unknown[] = [];
    for (;;) {
      skip();
      if (text[i] === close) {
        i++;
        return items;
      }
      items.push(value());
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === "'" || c === '"') {
      let s = str();
      // 'a' 'b' is 'ab' in Python: pformat's way of wrapping a long string.
      for (skip(); text[i] === "'" || text[i] === '"'; skip()) s += str();
      return s;
    }
    if (c === '[') return (i++, seq(']'));
    if (c === '(') return (i++, seq(')'));
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      for (;;) {
        skip();
        if (text[i] === '}') return (i++, obj);
        const k = value();
        skip();
        if (text[i++] !== ':') fail("expected ':'");
        obj[String(k)] = value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    const word = /^(None|True|False|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i))?.[1];
    if (word === undefined) return fail(`unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
    i += word.length;
    return word === 'None' ? null : word === 'True' ? true : word === 'False' ? false : Number(word);
  };
  const v = value();
  skip();
  if (i < text.length) fail('trailing text');
  return v;
}
