/**
 * ferry.yml and the environment, validated by one zod schema. `loadConfig` is a
 * pure function of its inputs; a bad file becomes a ConfigError with one line per
 * problem naming the key, e.g. `nodes.computes[1].host: expected a host name, got "comp ute"`.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load, YAMLException } from 'js-yaml';
import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';
import { ConfigError } from './errors.js';
import { sshFileProblems } from './config-files.js';
import { ferryPackage } from './package-root.js';
import { BRICK_PATH, HOST_NAME, VOLUME_NAME } from './arg-schemas.js';


/** An RFC 1123 host name or an IPv4 address (arg-schemas.ts's HOST_NAME). */
export const HostName = z.string().refine((s) => HOST_NAME.test(s), {
  error: (iss) => `expected a host name, got ${JSON.stringify(iss.input)}`,
});

/**
 * A node name as ferry and nova know it: nova's service host name, `compute01`, or
 * a fully qualified one (`compute01.example.org`) where nova registers hosts so.
 */
export const NodeName = z.string().refine((s) => HOST_NAME.test(s), {
  error: (iss) => `expected a node name (nova's host name: letters, digits, '-', '.'), got ${JSON.stringify(iss.input)}`,
});

export { VOLUME_NAME };

const Port = z.number().int().min(1).max(65535);

const Node = z.strictObject({
  name: NodeName,
  host: HostName,
  port: Port.default(22),
  user: z.string().min(1).default('root'),
  /** The name gluster and the hypervisor know the node by (`compute01.stack`); defaults to name. */
  fqdn: HostName.optional(),
});

const RoleMembers = z.strictObject({
  users: z.array(z.string()).default([]),
  groups: z.array(z.string()).default([]),
});

export const Roles = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof Roles)[number];

const VersionText = z.string().regex(/^\d+(\.\d+){0,2}$/, { error: (i) => `expected a version like 3.3, got ${JSON.stringify(i.input)}` });

export const FileSchema = z.strictObject({
  nodes: z.strictObject({
    control: Node,
    computes: z.array(Node).min(1, { error: 'expected at least one compute node' }),
  }),
  ssh: z
    .strictObject({
      key: z.string().min(1),
      knownHosts: z.string().min(1),
      connectTimeoutMs: z.number().int().positive().default(5000),
      commandTimeoutMs: z.number().int().positive().default(20000),
      maxConnectionsPerHost: z.number().int().min(1).max(16).default(2),
      maxChannelsPerConnection: z.number().int().min(1).max(64).default(8),
      keepaliveMs: z.number().int().min(0).default(15000),
      idleCloseMs: z.number().int().min(0).default(300000),
      maxOutputBytes: z.number().int().positive().default(4 * 1024 * 1024),
      jumpHost: z.strictObject({ host: HostName, port: Port.default(22), user: z.string().min(1) }).optional(),
    }),
  gluster: z
    .strictObject({
      volume: z.string().regex(VOLUME_NAME).default('vm-instances'),
      mountPoint: z.string().startsWith('/').default('/var/lib/nova/instances'),
      brickPath: z.string().regex(BRICK_PATH, { error: (i) => `expected an absolute brick directory (letters, digits, '.', '_', '-' between slashes), got ${JSON.stringify(i.input)}` }).default('/gluster/instances'),
      minVersion: VersionText.default('3.3'),
    })
    .prefault({}),
  openstack: z
    .strictObject({
      cli: z.enum(['nova', 'openstack']).default('nova'),
      openrc: z.string().startsWith('/').optional(),
      /** Per nova/openstack CLI call on the control node: seconds each (Python start-up, a Keystone token), more when it is busy. */
      commandTimeoutMs: z.number().int().positive().default(60000),
    })
    .prefault({}),
  roles: z
    .strictObject({
      viewer: RoleMembers.prefault({}),
      operator: RoleMembers.prefault({}),
      approver: RoleMembers.prefault({}),
      admin: RoleMembers.prefault({}),
    })
    .prefault({}),
  /** Channel ids where ferry answers; empty means every channel. */
  channels: z.array(z.string()).default([]),
  /** The terminal: who each OS user of the ferry host is in Slack (`ferry run`, `ferry approve`). */
  cli: z
    .strictObject({
      users: z
        .record(
          z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, { error: (i) => `expected an OS user name, got ${JSON.stringify(i.input)}` }),
          z.string().regex(/^[UW][A-Z0-9_]+$/, { error: (i) => `expected a Slack user id (U…), got ${JSON.stringify(i.input)}` }),
        )
        .default({}),
    })
    .prefault({}),
  policy: z
    .strictObject({
      approval: z.array(z.string()).default(['evacuate', 'gluster volume create', 'gluster volume stop', 'gluster bootstrap']),
      approvalTtlSeconds: z.number().int().positive().default(900),
      /** A Slack user group pinged (`<!subteam^ID>`) when a request waits for approval. */
      approverGroup: z.string().regex(/^S[A-Z0-9]{2,}$/, { error: (i) => `expected a Slack user group id like S0123ABCD, got ${JSON.stringify(i.input)}` }).optional(),
      migration: z
        .strictObject({
          pollIntervalMs: z.number().int().positive().default(2000),
          timeoutSeconds: z.number().int().positive().default(1800),
          concurrency: z.number().int().min(1).default(2),
          perHostConcurrency: z.number().int().min(1).default(1),
        })
        .prefault({}),
    })
    .prefault({}),
  redis: z.strictObject({ url: z.string().optional() }).prefault({}),
});

const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_API_URL: z.url().optional(),
  /** Spacing of chat.postMessage starts in one channel, ms (default: the poster's, Slack's one a second). */
  SLACK_POST_INTERVAL_MS: z.coerce.number().int().min(0).optional(),
  REDIS_URL: z.string().optional(),
  FERRY_CONFIG: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** /healthz, /readyz, /metrics of Socket Mode `serve` and of `ferry worker` (HTTP mode serves them on PORT); 0: any free port. */
  FERRY_HEALTH_HOST: z.string().default('127.0.0.1'),
  FERRY_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Nice value of ferry serve's command thread (0–19): above the acking thread's, so acks come first on a busy machine. */
  FERRY_COMMAND_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * idle: every thread of ferry serve but the acking one runs in Linux's SCHED_IDLE class, so a
   * waking ack never waits behind commands; nice: only FERRY_COMMAND_THREAD_NICE lowers the command thread.
   */
  FERRY_THREAD_POLICY: z.enum(['idle', 'nice']).default('idle'),
  LOG_LEVEL: z.string().default('info'),
});

export type FileConfig = z.infer<typeof FileSchema>;
export type NodeConfig = z.infer<typeof Node> & { fqdn: string };
export type Env = z.infer<typeof EnvSchema>;

/** Where Redis is when neither REDIS_URL nor ferry.yml says. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The whole validated configuration. Paths are absolute; `redis.url` already has REDIS_URL applied. */
export type Config = Omit<FileConfig, 'nodes' | 'redis'> & {
  nodes: { control: NodeConfig; computes: NodeConfig[] };
  /** `configured`: REDIS_URL or ferry.yml names a Redis (else `url` is the default). */
  redis: { url: string; configured: boolean };
  env: Env;
  /** The directory of ferry.yml (relative paths in it are resolved against it). */
  baseDir: string;
};

/**
 * Validates ferry.yml text and the environment. Throws ConfigError with one
 * line per problem, each naming the key (or, for YAML syntax, `fileName:line:column`).
 */
export function loadConfig(env: Record<string, string | undefined>, fileText: string, baseDir = process.cwd(), fileName = 'ferry.yml'): Config {
  const problems: string[] = [];
  // jitless: zod would compile a parser (new Function) for each object schema on its first parse; ferry.yml is parsed
  // once per process, so compiling costs more than it saves (~15 ms of a cold `ferry run` with 200 computes).
  const file = FileSchema.safeParse(parseYaml(fileText, fileName) ?? {}, { jitless: true });
  if (!file.success) problems.push(...file.error.issues.flatMap(fileProblem));
  const envParsed = EnvSchema.safeParse(env, { jitless: true });
  if (!envParsed.success) problems.push(...envParsed.error.issues.map((i) => `env ${keyPath(i.path)}: ${i.message}`));
  if (!file.success || !envParsed.success) throw new ConfigError(problems);

  const f = file.data;
  const names = [f.nodes.control, ...f.nodes.computes].map((n) => n.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError([`nodes: node name ${JSON.stringify(dup)} is used twice`]);

  const withFqdn = (n: z.infer<typeof Node>): NodeConfig => ({ ...n, fqdn: n.fqdn ?? n.name });
  const abs = (p: string) => path.resolve(baseDir, p);
  return {
    ...f,
    nodes: { control: withFqdn(f.nodes.control), computes: f.nodes.computes.map(withFqdn) },
    ssh: { ...f.ssh, key: abs(f.ssh.key), knownHosts: abs(f.ssh.knownHosts) },
    redis: { url: envParsed.data.REDIS_URL ?? f.redis.url ?? DEFAULT_REDIS_URL, configured: (envParsed.data.REDIS_URL ?? f.redis.url) !== undefined },
    env: envParsed.data,
    baseDir,
  };
}

/** ferry.yml's commented example, shipped beside package.json (found from the running file: built and bundled, it is not one level up). */
export function exampleConfigPath(): string {
  return path.join(ferryPackage()?.dir ?? fileURLToPath(new URL('..', import.meta.url)), 'ferry.example.yml');
}

/**
 * Reads FERRY_CONFIG (default ./ferry.yml) and validates it with the environment
 * and the files it names (ssh.key, ssh.knownHosts): every problem in one ConfigError.
 * `checkFiles: false` leaves the files alone (`/ferry help` opens no SSH connection).
 */
export function loadConfigFile(env: Record<string, string | undefined> = process.env, file?: string, opts: { checkFiles?: boolean } = {}): Config {
  const configPath = path.resolve(file || env.FERRY_CONFIG || 'ferry.yml');
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigMissingError(configPath);
    throw new ConfigError([`${configPath}: cannot read (${code ?? String(err)})`]);
  }
  const baseDir = path.dirname(configPath);
  let config: Config | undefined;
  const problems: string[] = [];
  try {
    config = loadConfig(env, text, baseDir, configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  // The files are checked even when other keys are wrong, so one run lists everything.
  const raw: unknown = config ? config.ssh : (parsedOrNull(text, configPath) as { ssh?: unknown } | null)?.ssh;
  if (raw && typeof raw === 'object' && opts.checkFiles !== false) problems.push(...sshFileProblems(raw, baseDir));
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return config;
}

/** There is no ferry.yml where ferry looked; the message says how to get one. */
export class ConfigMissingError extends ConfigError {
  constructor(readonly path: string) {
    super([
      `${path} does not exist. Copy ${exampleConfigPath()} there and edit it, or point FERRY_CONFIG (or --config) at your ferry.yml;`,
      'to try ferry on a simulated cluster, `ferry lab start --dir DIR` writes DIR/ferry.yml.',
    ]);
  }
}

/** A compute node of ferry.yml by its name (nova's host name) or its fqdn (gluster's). */
export function findCompute(config: Pick<Config, 'nodes'>, name: string | null | undefined): NodeConfig | undefined {
  return config.nodes.computes.find((n) => n.name === name || n.fqdn === name);
}

/** Every node of the config by name. */
export function allNodes(config: Config): NodeConfig[] {
  return [config.nodes.control, ...config.nodes.computes];
}

/** The YAML text as plain data, or null when it does not parse (its errors are already reported). */
function parsedOrNull(text: string, fileName: string): unknown {
  try {
    return parseYaml(text, fileName);
  } catch {
    return null;
  }
}

/** The YAML text as plain data; a syntax error (or a duplicate key) is a ConfigError `FILE:3:1: reason`. */
function parseYaml(text: string, fileName: string): unknown {
  try {
    return load(text, { filename: fileName });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    // js-yaml's mark is 0-based; editors count from 1.
    const at = err.mark ? `:${err.mark.line + 1}:${err.mark.column + 1}` : '';
    throw new ConfigError([`${fileName}${at}: ${err.reason}`]);
  }
}

/** One line per zod issue; an unknown key names the closest valid one. */
function fileProblem(issue: z.core.$ZodIssue): string[] {
  if (issue.code !== 'unrecognized_keys') return [`${keyPath(issue.path)}: ${issue.message}`];
  const valid = keysAt(FileSchema, issue.path);
  return issue.keys.map((key) => {
    const near = valid.length ? closest(key, valid) : undefined;
    const hint = near !== undefined && distance(key, near) <= Math.max(2, Math.floor(near.length / 3)) ? `; did you mean ${near}?` : ` (valid here: ${valid.join(', ')})`;
    return `${keyPath([...issue.path, key])}: unknown key${hint}`;
  });
}

/** The keys an object schema accepts at `p` (through defaults, optionals and arrays). */
function keysAt(schema: z.ZodType, p: readonly PropertyKey[]): string[] {
  type Def = { innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  const def = (s: z.ZodType): Def => s._zod.def as Def;
  let s: z.ZodType | undefined = schema;
  for (const part of [...p, undefined]) {
    while (s && def(s).innerType) s = def(s).innerType;
    if (!s || part === undefined) break;
    s = typeof part === 'number' ? def(s).element : def(s).shape?.[String(part)];
  }
  return s ? Object.keys(def(s).shape ?? {}) : [];
}

/** `nodes.computes[1].host` from zod's path. */
function keyPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}
