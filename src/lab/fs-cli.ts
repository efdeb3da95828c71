/**
 * File commands (stat, chown, mkdir, test, cat, touch, rm, ls) over a node's
 * local files and, below MOUNT_POINT while it is mounted, the gluster volume
 * shared by every node that mounts it. Messages are coreutils 9.1's (Debian 12).
 */
import { posix } from 'node:path';
import { failure, result, type CommandContext, type LabCommand } from './exec-result.js';
import { newGfid, recordChange, writable } from './gluster-ops.js';
import { brickOnline, MOUNT_POINT, mountedVolume, type Volume } from './state.js';

type Errno = 'ENOENT' | 'ENOTCONN' | 'EROFS' | 'EEXIST' | 'EISDIR' | 'ENOTDIR';

const ERRNO_TEXT: Record<Errno, string> = {
  ENOENT: 'No such file or directory',
  ENOTCONN: 'Transport endpoint is not connected',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
};

type Where = { kind: 'local'; path: string } | { kind: 'volume'; path: string; vol: Volume; rel: string };

interface Entry {
  type: 'dir' | 'file';
  owner: string;
  mode: string;
  content: string;
}

const USERS: Record<string, number> = { root: 0, nova: 64060 };

/** Where a path lives: on the node's disk, or in the volume mounted over MOUNT_POINT. */
function where(ctx: CommandContext, raw: string): Where {
  const path = posix.resolve('/root', raw);
  const vol = mountedVolume(ctx.state, ctx.node);
  if (vol && (path === MOUNT_POINT || path.startsWith(MOUNT_POINT + '/'))) {
    return { kind: 'volume', path, vol, rel: path.slice(MOUNT_POINT.length) || '/' };
  }
  return { kind: 'local', path };
}

function reachable(ctx: CommandContext, vol: Volume): boolean {
  if (ctx.node.fuseDead) return false;
  return vol.status === 'Started' && vol.bricks.some((b) => brickOnline(ctx.state, vol, b.node));
}

function lookup(ctx: CommandContext, w: Where): Entry | Errno {
  if (w.kind === 'local') {
    const dir = ctx.node.dirs.get(w.path);
    if (dir) return { type: 'dir', ...dir, content: '' };
    const file = ctx.node.files.get(w.path);
    if (!file) return 'ENOENT';
    return { type: 'file', owner: file.owner, mode: file.mode, content: typeof file.content === 'function' ? file.content() : file.content };
  }
  if (!reachable(ctx, w.vol)) return 'ENOTCONN';
  if (w.rel === '/') return { type: 'dir', owner: w.vol.rootOwner, mode: w.vol.rootMode, content: '' };
  const f = w.vol.files.get(w.rel);
  if (!f) return 'ENOENT';
  return { type: f.content === null ? 'dir' : 'file', owner: f.owner, mode: f.mode, content: f.content ?? '' };
}

/** Whether the parent directory exists (an error otherwise). */
function parentOk(ctx: CommandContext, w: Where): Errno | undefined {
  const parent = lookup(ctx, where(ctx, posix.dirname(w.path)));
  if (typeof parent === 'string') return parent;
  return parent.type === 'dir' ? undefined : 'ENOTDIR';
}

/** A change below the mount needs the volume started and replica quorum (cluster.quorum-type auto). */
function volumeWrite(ctx: CommandContext, w: Where & { kind: 'volume' }): Errno | undefined {
  if (ctx.node.fuseDead) return 'ENOTCONN';
  const state = writable(ctx.state, w.vol);
  return state === 'ok' ? undefined : state;
}

function splitFlags(args: string[]): { flags: Set<string>; rest: string[] } {
  const flags = new Set<string>();
  const rest: string[] = [];
  let done = false;
  for (const a of args) {
    if (!done && a === '--') done = true;
    else if (!done && a.startsWith('-') && a.length > 1) for (const ch of a.slice(1)) flags.add(ch);
    else rest.push(a);
  }
  return { flags, rest };
}

function modeString(type: 'dir' | 'file', mode: string): string {
  const bits = ['---', '--x', '-w-', '-wx', 'r--', 'r-x', 'rw-', 'rwx'];
  return (type === 'dir' ? 'd' : '-') + [...mode.padStart(3, '0')].map((d) => bits[Number(d)]).join('');
}

function statFormat(fmt: string, path: string, e: Entry): string {
  const [user = 'root', group = 'root'] = e.owner.split(':');
  const size = e.type === 'dir' ? 4096 : Buffer.byteLength(e.content);
  return fmt.replace(/%([%UGugaAnFs])/g, (_, c: string) => {
    switch (c) {
      case 'U': return user;
      case 'G': return group;
      case 'u': return String(USERS[user] ?? 0);
      case 'g': return String(USERS[group] ?? 0);
      case 'a': return String(Number(e.mode));
      case 'A': return modeString(e.type, e.mode);
      case 'n': return path;
      case 'F': return e.type === 'dir' ? 'directory' : size === 0 ? 'regular empty file' : 'regular file';
      case 's': return String(size);
      default: return '%';
    }
  });
}

const stat: LabCommand = (ctx, args) => {
  let fmt: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--format') fmt = (args[++i] ?? '') + '\n';
    else if (a.startsWith('--format=')) fmt = a.slice(9) + '\n';
    else if (a.startsWith('--printf=')) fmt = a.slice(9).replace(/\\n/g, '\n');
    else if (a === '-L' || a === '--dereference') continue;
    else files.push(a);
  }
  if (files.length === 0) return failure("stat: missing operand\nTry 'stat --help' for more information.\n");
  let stdout = '';
  let stderr = '';
  for (const f of files) {
    const e = lookup(ctx, where(ctx, f));
    if (typeof e === 'string') {
      stderr += `stat: cannot statx '${f}': ${ERRNO_TEXT[e]}\n`;
      continue;
    }
    stdout += statFormat(fmt ?? '  File: %n\n  Size: %s\t%F\nAccess: (0%a/%A)  Uid: (%u/%U)   Gid: (%g/%G)\n', f, e);
  }
  return result(stdout, stderr, stderr ? 1 : 0);
};

const chown: LabCommand = (ctx, args) => {
  const { rest } = splitFlags(args);
  const [spec, ...paths] = rest;
  if (spec === undefined || paths.length === 0) return failure(`chown: missing operand\nTry 'chown --help' for more information.\n`);
  const [user = '', group] = spec.split(':');
  if (user !== '' && !(user in USERS)) return failure(`chown: invalid user: ‘${spec}’\n`);
  if (group !== undefined && group !== '' && !(group in USERS)) return failure(`chown: invalid group: ‘${spec}’\n`);
  let stderr = '';
  for (const p of paths) {
    const w = where(ctx, p);
    const e = lookup(ctx, w);
    const err = typeof e === 'string' ? e : w.kind === 'volume' ? volumeWrite(ctx, w) : undefined;
    if (err || typeof e === 'string') {
      stderr += err === 'EROFS' ? `chown: changing ownership of '${p}': ${ERRNO_TEXT[err]}\n` : `chown: cannot access '${p}': ${ERRNO_TEXT[err ?? 'ENOENT']}\n`;
      continue;
    }
    const [oldUser, oldGroup] = e.owner.split(':');
    const owner = `${user || oldUser}:${group === undefined ? (user ? user : oldGroup) : group || oldGroup}`;
    if (w.kind === 'local') {
      const target = ctx.node.dirs.get(w.path) ?? ctx.node.files.get(w.path)!;
      target.owner = owner;
    } else if (w.rel === '/') {
      w.vol.rootOwner = owner;
      recordChange(ctx.state, w.vol, '/', '00000000-0000-0000-0000-000000000001', 'modify');
    } else {
      const f = w.vol.files.get(w.rel)!;
      f.owner = owner;
      recordChange(ctx.state, w.vol, w.rel, f.gfid, 'modify');
    }
  }
  return result('', stderr, stderr ? 1 : 0);
};

const mkdir: LabCommand = (ctx, args) => {
  const { flags, rest } = splitFlags(args);
  const parents = flags.has('p');
  if (rest.length === 0) return failure("mkdir: missing operand\nTry 'mkdir --help' for more information.\n");
  let stderr = '';
  for (const p of rest) {
    const w = where(ctx, p);
    // With -p every missing ancestor is made first.
    const chain = parents ? ancestors(w.path).map((path) => where(ctx, path)) : [w];
    for (const step of chain) {
      const e = lookup(ctx, step);
      if (typeof e !== 'string') {
        if (!parents || e.type !== 'dir') stderr += `mkdir: cannot create directory ‘${p}’: ${ERRNO_TEXT[e.type === 'dir' ? 'EEXIST' : 'ENOTDIR']}\n`;
        if (!parents || e.type !== 'dir') break;
        continue;
      }
      const err = e === 'ENOENT' ? (parentOk(ctx, step) ?? (step.kind === 'volume' ? volumeWrite(ctx, step) : undefined)) : e;
      if (err) {
        stderr += `mkdir: cannot create directory ‘${parents ? step.path : p}’: ${ERRNO_TEXT[err]}\n`;
        break;
      }
      if (step.kind === 'local') ctx.node.dirs.set(step.path, { owner: 'root:root', mode: '755' });
      else {
        const gfid = newGfid();
        step.vol.files.set(step.rel, { content: null, gfid, owner: 'root:root', mode: '755' });
        recordChange(ctx.state, step.vol, step.rel, gfid, 'create');
      }
    }
  }
  return result('', stderr, stderr ? 1 : 0);
};

function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'));
}

const cat: LabCommand = (ctx, args) => {
  let stdout = '';
  let stderr = '';
  for (const p of args) {
    const e = lookup(ctx, where(ctx, p));
    if (typeof e === 'string') stderr += `cat: ${p}: ${ERRNO_TEXT[e]}\n`;
    else if (e.type === 'dir') stderr += `cat: ${p}: Is a directory\n`;
    else stdout += e.content;
  }
  return result(stdout, stderr, stderr ? 1 : 0);
};

const touch: LabCommand = (ctx, args) => {
  const { rest } = splitFlags(args);
  if (rest.length === 0) return failure("touch: missing file operand\nTry 'touch --help' for more information.\n");
  let stderr = '';
  for (const p of rest) {
    const w = where(ctx, p);
    const e = lookup(ctx, w);
    const err = e === 'ENOENT' ? parentOk(ctx, w) : typeof e === 'string' ? e : undefined;
    const werr = err ?? (w.kind === 'volume' ? volumeWrite(ctx, w) : undefined);
    if (werr) {
      stderr += `touch: cannot touch '${p}': ${ERRNO_TEXT[werr]}\n`;
      continue;
    }
    if (w.kind === 'local') {
      if (e === 'ENOENT') ctx.node.files.set(w.path, { content: '', owner: 'root:root', mode: '644' });
    } else if (w.rel !== '/') {
      const existing = w.vol.files.get(w.rel);
      const gfid = existing?.gfid ?? newGfid();
      if (!existing) w.vol.files.set(w.rel, { content: '', gfid, owner: 'root:root', mode: '644' });
      recordChange(ctx.state, w.vol, w.rel, gfid, existing ? 'modify' : 'create');
    }
  }
  return result('', stderr, stderr ? 1 : 0);
};

const rm: LabCommand = (ctx, args) => {
  const { flags, rest } = splitFlags(args);
  const force = flags.has('f');
  const recursive = flags.has('r') || flags.has('R');
  let stderr = '';
  for (const p of rest) {
    const w = where(ctx, p);
    const e = lookup(ctx, w);
    if (e === 'ENOENT' && force) continue;
    const err = typeof e === 'string' ? e : e.type === 'dir' && !recursive ? 'EISDIR' : w.kind === 'volume' ? volumeWrite(ctx, w) : undefined;
    if (err) {
      stderr += `rm: cannot remove '${p}': ${ERRNO_TEXT[err]}\n`;
      continue;
    }
    if (w.kind === 'local') {
      ctx.node.files.delete(w.path);
      for (const d of [...ctx.node.dirs.keys()]) if (d === w.path || d.startsWith(w.path + '/')) ctx.node.dirs.delete(d);
      for (const f of [...ctx.node.files.keys()]) if (f.startsWith(w.path + '/')) ctx.node.files.delete(f);
    } else {
      for (const [rel, f] of [...w.vol.files]) {
        if (rel !== w.rel && !rel.startsWith(w.rel + '/')) continue;
        w.vol.files.delete(rel);
        recordChange(ctx.state, w.vol, rel, f.gfid, 'remove');
      }
    }
  }
  return result('', stderr, stderr ? 1 : 0);
};

const ls: LabCommand = (ctx, args) => {
  const { rest } = splitFlags(args);
  const w = where(ctx, rest[0] ?? '/root');
  const e = lookup(ctx, w);
  if (typeof e === 'string') return failure(`ls: cannot access '${rest[0]}': ${ERRNO_TEXT[e]}\n`, 2);
  if (e.type === 'file') return result(`${rest[0]}\n`);
  const prefix = w.kind === 'volume' ? (w.rel === '/' ? '/' : w.rel + '/') : w.path === '/' ? '/' : w.path + '/';
  const names =
    w.kind === 'volume'
      ? [...w.vol.files.keys()]
      : [...ctx.node.dirs.keys(), ...ctx.node.files.keys()];
  const children = names.filter((n) => n.startsWith(prefix) && n !== prefix && !n.slice(prefix.length).includes('/')).map((n) => n.slice(prefix.length));
  return result(children.sort().map((n) => n + '\n').join(''));
};

/** test / [: the file and string tests a runbook uses. */
const test: LabCommand = (ctx, args) => {
  const expr = args[args.length - 1] === ']' ? args.slice(0, -1) : args;
  const negate = expr[0] === '!';
  const e = negate ? expr.slice(1) : expr;
  let ok: boolean;
  if (e.length === 2 && /^-[defsrwxnz]$/.test(e[0]!)) {
    const op = e[0]!;
    if (op === '-n') ok = e[1] !== '';
    else if (op === '-z') ok = e[1] === '';
    else {
      const entry = lookup(ctx, where(ctx, e[1]!));
      ok = typeof entry !== 'string' && (op === '-d' ? entry.type === 'dir' : op === '-f' ? entry.type === 'file' : op === '-s' ? entry.type === 'dir' || entry.content !== '' : true);
    }
  } else if (e.length === 3 && (e[1] === '=' || e[1] === '!=')) {
    ok = (e[0] === e[2]) === (e[1] === '=');
  } else if (e.length === 1) {
    ok = e[0] !== '';
  } else if (e.length === 0) {
    ok = false;
  } else {
    return failure(`bash: test: ${e[0]}: unary operator expected\n`, 2);
  }
  return result('', '', ok !== negate ? 0 : 1);
};

/** The file commands by name. */
export const FILE_COMMANDS: Record<string, LabCommand> = { stat, chown, mkdir, cat, touch, rm, ls, test, '[': test };
