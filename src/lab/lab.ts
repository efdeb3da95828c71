/**
 * The lab: one cluster model behind one SSH server per node (control,
 * compute01..NN), all on 127.0.0.1, plus the files ferry needs to reach them
 * (ferry.yml, a client key, known_hosts) and a small HTTP control server for
 * `ferry lab fault` / `ferry lab calls` from other processes.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { dump } from 'js-yaml';
import { loadConfig } from '../config.js';
import { knownHostsLine } from '../ssh/known-hosts.js';
import { createLabModel } from './model.js';
import { generateEd25519, isTransportFault, NodeServer } from './server.js';
import type { LabCall, LabModel } from './types.js';

/** Options of {@link startLab}. */
export interface LabOptions {
  /** Where ferry.yml, the key, known_hosts and lab.json go (created if missing). */
  dir: string;
  /** Compute nodes (default 3). */
  computes?: number;
  /** Instances cirros1..M (default 3). */
  instances?: number;
  /** How long a live migration stays MIGRATING (default 5). */
  migrateSeconds?: number;
  /** Delay every exec answer on every node (default 0). */
  latencyMs?: number;
  /**
   * More delay for every exec on the control node (default 0): there ferry runs only
   * the nova / openstack CLI, which costs 2-6 s a call on a real one (Python start-up,
   * a new Keystone token each time).
   */
  controlLatencyMs?: number;
  /** Start with no peers, no volume, nothing mounted. */
  bare?: boolean;
  /** nova.conf's max_concurrent_live_migrations on every compute (default 1). */
  maxConcurrentLiveMigrations?: number;
  /** Use this model instead of a new `createLabModel(...)` (tests of the transport alone). */
  model?: LabModel;
}

/** A running lab. */
export interface Lab {
  dir: string;
  configPath: string;
  nodes: { name: string; port: number }[];
  /** Port of the HTTP control server (POST /fault, GET /calls, GET /status). */
  controlPort: number;
  /**
   * Injects a fault. Transport faults (down, up, hang, unhang, slow MS) go to
   * the node's SSH server; `fault('*', 'latency', MS)` sets the lab-wide
   * latency; anything else goes to the model (brick-down, cache-unsafe, ...).
   */
  fault(node: string, fault: string, arg?: string): Promise<void>;
  /** Every command the lab received, oldest first. */
  calls(): LabCall[];
  model: LabModel;
  /** Stops every server and removes lab.json. */
  stop(): Promise<void>;
}

/** What DIR/lab.json holds while a lab runs. */
export interface LabInfo {
  pid: number;
  controlPort: number;
  configPath: string;
  nodes: { name: string; port: number }[];
  startedAt: string;
}

/** Demo Slack users, one per role, written into the lab's ferry.yml. */
export const LAB_USERS = { viewer: 'U_VIEWER', operator: 'U_OPS', approver: 'U_APPROVER', admin: 'U_ADMIN' } as const;

/** Starts a lab; see the module comment. With 200 computes it is up in a few seconds. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const dir = path.resolve(opts.dir);
  await mkdir(dir, { recursive: true });
  const model =
    opts.model ??
    createLabModel({
      computes: opts.computes ?? 3,
      instances: opts.instances ?? 3,
      migrateSeconds: opts.migrateSeconds ?? 5,
      bare: opts.bare ?? false,
      maxConcurrentLiveMigrations: opts.maxConcurrentLiveMigrations,
    });

  const clientKey = generateEd25519('ferry-lab');
  let latencyMs = opts.latencyMs ?? 0;
  const controlLatencyMs = opts.controlLatencyMs ?? 0;
  const servers = new Map<string, NodeServer>();
  let labPorts = new Set<number>();
  for (const node of model.nodes) {
    servers.set(
      node,
      new NodeServer({
        node,
        model,
        authorizedKey: clientKey.public,
        latencyMs: () => latencyMs + (node === 'control' ? controlLatencyMs : 0),
        forwardablePorts: () => labPorts,
      }),
    );
  }
  const control = http.createServer();
  const stopAll = async () => {
    control.closeAllConnections();
    await new Promise<void>((r) => control.close(() => r()));
    await Promise.all([...servers.values()].map((s) => s.stop()));
  };

  const configPath = path.join(dir, 'ferry.yml');
  const labJson = path.join(dir, 'lab.json');
  let nodes: { name: string; port: number }[];
  let controlPort: number;
  try {
    await Promise.all([...servers.values()].map((s) => s.start()));
    await new Promise<void>((resolve, reject) => {
      control.once('error', reject);
      control.listen(0, '127.0.0.1', () => resolve());
    });
    nodes = [...servers.values()].map((s) => ({ name: s.node, port: s.port }));
    labPorts = new Set(nodes.map((n) => n.port));
    controlPort = (control.address() as AddressInfo).port;

    await writePrivate(path.join(dir, 'id_ed25519'), clientKey.private);
    await writeAtomic(path.join(dir, 'id_ed25519.pub'), `${clientKey.public}\n`);
    await writeAtomic(
      path.join(dir, 'known_hosts'),
      [...servers.values()].map((s) => `${knownHostsLine('127.0.0.1', s.port, s.hostPublicKey)}\n`).join(''),
    );
    const configText = labConfigText(nodes);
    loadConfig({}, configText, dir); // a lab that writes an invalid ferry.yml is a bug: fail loudly here
    await writeAtomic(configPath, configText);
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  const lab: Lab = {
    dir,
    configPath,
    nodes,
    controlPort,
    model,
    calls: () => model.calls(),
    fault: async (node, fault, arg) => {
      if (node === '*' && fault === 'latency') {
        const ms = Number(arg ?? '');
        if (!Number.isInteger(ms) || ms < 0) throw new Error(`latency needs milliseconds (an integer >= 0), got ${JSON.stringify(arg)}`);
        latencyMs = ms;
        return;
      }
      const server = servers.get(node);
      if (!server) throw new Error(`unknown node ${JSON.stringify(node)}; the lab has ${describeNodes(model.nodes)}`);
      if (isTransportFault(fault)) await server.fault(fault, arg);
      else model.fault(node, fault, arg);
    },
    stop: async () => {
      await stopAll();
      const info = await readLabInfo(dir);
      if (info?.pid === process.pid) await rm(labJson, { force: true });
    },
  };

  control.on('request', (req, res) => void handleControl(lab, req, res));
  const info: LabInfo = { pid: process.pid, controlPort, configPath, nodes, startedAt: new Date().toISOString() };
  await writeAtomic(labJson, `${JSON.stringify(info, null, 2)}\n`);
  return lab;
}

/** Reads DIR/lab.json; undefined when there is none (or it is unreadable). */
export async function readLabInfo(dir: string): Promise<LabInfo | undefined> {
  try {
    return JSON.parse(await readFile(path.join(path.resolve(dir), 'lab.json'), 'utf8')) as LabInfo;
  } catch {
    return undefined;
  }
}

function labConfigText(nodes: { name: string; port: number }[]): string {
  const node = (n: { name: string; port: number }) => ({
    name: n.name,
    host: '127.0.0.1',
    port: n.port,
    // nova runs as the stack user on a devstack control node; gluster needs root.
    user: n.name === 'control' ? 'stack' : 'root',
    fqdn: `${n.name}.stack`,
  });
  const file = {
    nodes: {
      control: node(nodes.find((n) => n.name === 'control') ?? { name: 'control', port: 0 }),
      computes: nodes.filter((n) => n.name !== 'control').map(node),
    },
    ssh: {
      key: './id_ed25519',
      knownHosts: './known_hosts',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 5000,
      keepaliveMs: 5000,
      idleCloseMs: 60000,
    },
    openstack: { cli: 'nova', openrc: '/root/openrc' },
    roles: Object.fromEntries(Object.entries(LAB_USERS).map(([role, user]) => [role, { users: [user] }])),
  };
  return `# Written by \`ferry lab start\`: a simulated cluster on 127.0.0.1. Regenerated at every start.\n${dump(file)}`;
}

async function handleControl(lab: Lab, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/calls') return send(200, lab.calls());
    if (req.method === 'GET' && url.pathname === '/status') return send(200, { pid: process.pid, nodes: lab.nodes, configPath: lab.configPath });
    if (req.method === 'POST' && url.pathname === '/fault') {
      const body = JSON.parse(await readBody(req)) as { node?: unknown; fault?: unknown; arg?: unknown };
      if (typeof body.node !== 'string' || typeof body.fault !== 'string' || (body.arg !== undefined && typeof body.arg !== 'string')) {
        return send(400, { error: 'expected {"node": string, "fault": string, "arg"?: string}' });
      }
      await lab.fault(body.node, body.fault, body.arg);
      return send(200, { ok: true });
    }
    send(404, { error: `no ${req.method} ${url.pathname}; try POST /fault, GET /calls, GET /status` });
  } catch (err) {
    send(400, { error: err instanceof Error ? err.message : String(err) });
  }
}

function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function describeNodes(nodes: readonly string[]): string {
  return nodes.length <= 6 ? nodes.join(', ') : `${nodes.slice(0, 3).join(', ')}, …, ${nodes.at(-1)}`;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
async function writeAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

async function writePrivate(file: string, text: string): Promise<void> {
  // A fresh file created with 0600: OpenSSH refuses a private key others can read.
  await writeAtomic(file, text.endsWith('\n') ? text : `${text}\n`, 0o600);
}
