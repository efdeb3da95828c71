/**
 * The lab's cluster model behind the SSH servers: one state, a bash-like
 * command line runner per node, faults, and a log of every command run.
 * Pure TypeScript; time-driven changes (migrations, heals) are computed from
 * Date.now() when a command arrives, so nothing runs in the background.
 */
import { FILE_COMMANDS } from './fs-cli.js';
import { glusterCommand } from './gluster-cli.js';
import { advanceGluster, setGlusterd } from './gluster-ops.js';
import { lockFault } from './gluster-lock.js';
import { glusterfsCommand, HOST_COMMANDS } from './host-cli.js';
import { novaCommand } from './nova-cli.js';
import { advanceNova, findServer, setInstanceState } from './nova-ops.js';
import { openstackCommand } from './openstack-cli.js';
import { splitCommandLine, type SimpleCommand } from './shell.js';
import type { CommandContext, LabCommand } from './exec-result.js';
import { addInstance, buildLabState } from './build-state.js';
import { computeService, nodeOf, respawnBrick, VOLUME_NAME, type LabNode, type LabState } from './state.js';
import type { LabCall, LabExecResult, LabModel, LabModelOptions } from './types.js';

/** Options of createLabModel: the contract's, plus how long heals take once every brick is back. */
export interface CreateLabModelOptions extends LabModelOptions {
  /** Seconds from the last brick coming back to the pending entries being healed (default 2; 0 = at once). */
  healSeconds?: number;
}

/** The model, with its state open to tests that need to arrange what no command can (e.g. file contents). */
export interface LabModelHandle extends LabModel {
  readonly state: LabState;
}

/** Every fault name `fault()` accepts. Transport faults are the SSH servers' and are ignored here. */
export const LAB_FAULTS = [
  'brick-down', 'brick-up', 'glusterd-down', 'glusterd-up', 'gluster-version', 'cache-unsafe', 'cache-safe',
  'unmount', 'mount', 'fuse-dead', 'gluster-locked', 'gluster-unlocked', 'migration-fails', 'migration-ok', 'post-migration-stall', 'service-disable', 'service-enable',
  'nova-compute-down', 'nova-compute-up', 'instance-add', 'instance-state',
  'down', 'up', 'hang', 'unhang', 'slow', 'latency',
] as const;

const TRANSPORT_FAULTS = new Set(['down', 'up', 'hang', 'unhang', 'slow', 'latency']);

/** Creates the simulated cluster: control + compute01..NN, a replica-N volume, nova, instances on compute01. */
export function createLabModel(opts: CreateLabModelOptions): LabModelHandle {
  const state = buildLabState(opts, Date.now());
  const log: LabCall[] = [];
  const nodes = ['control', ...state.computes] as const;

  const advance = (now: number) => {
    advanceNova(state, now);
    advanceGluster(state, now);
  };

  return {
    nodes,
    state,
    async run(nodeName: string, commandLine: string): Promise<LabExecResult> {
      const node = nodeOf(state, nodeName);
      const now = Date.now();
      advance(now);
      const split = splitCommandLine(commandLine);
      if (!split.ok) return { stdout: '', stderr: split.error, exitCode: split.exitCode };
      const env: Record<string, string> = {};
      let stdout = '';
      let stderr = '';
      let status = 0;
      for (const { join, command } of split.steps) {
        if ((join === '&&' && status !== 0) || (join === '||' && status === 0)) continue;
        if (command.argv.length > 0) log.push({ at: now, node: nodeName, argv: [...command.argv] });
        const out = runSimple({ state, node, now, env: { ...env, ...command.env } }, command, env);
        stdout += out.stdout;
        stderr += out.stderr;
        status = out.exitCode;
      }
      return { stdout, stderr, exitCode: status };
    },
    fault(nodeName: string, fault: string, arg?: string): void {
      if (TRANSPORT_FAULTS.has(fault)) return;
      applyFault(state, nodeOf(state, nodeName), fault, arg, Date.now());
    },
    calls: () => log.map((c) => ({ ...c, argv: [...c.argv] })),
  };
}

const BIN_DIRS = /^\/(usr\/)?(s?bin)\//;

/** Runs one simple command; `shellEnv` keeps what `. FILE` and bare assignments set for the rest of the line. */
function runSimple(ctx: CommandContext, cmd: SimpleCommand, shellEnv: Record<string, string>): LabExecResult {
  let argv = cmd.argv;
  if (argv.length === 0) {
    Object.assign(shellEnv, cmd.env);
    return { stdout: '', stderr: '', exitCode: 0 };
  }
  if (argv[0] === 'sudo') argv = argv.slice(1).filter((a, i) => i > 0 || !a.startsWith('-'));
  const name = (argv[0] ?? '').replace(BIN_DIRS, '');
  if (name === '.' || name === 'source') return source(ctx, argv, shellEnv);
  const command = commandsOf(ctx.node)[name];
  if (!command) return { stdout: '', stderr: `bash: line 1: ${name}: command not found\n`, exitCode: 127 };
  return command(ctx, argv.slice(1));
}

const COMMON_COMMANDS: Record<string, LabCommand> = { ...FILE_COMMANDS, ...HOST_COMMANDS };
const CONTROL_COMMANDS: Record<string, LabCommand> = { ...COMMON_COMMANDS, nova: novaCommand, openstack: openstackCommand };
const GLUSTER_NODE_COMMANDS: Record<string, LabCommand> = { ...COMMON_COMMANDS, gluster: glusterCommand, glusterfs: glusterfsCommand };

/** What is installed where: gluster on computes, the OpenStack CLIs on the control node. */
function commandsOf(node: LabNode): Record<string, LabCommand> {
  if (!node.isCompute) return CONTROL_COMMANDS;
  return node.glusterInstalled ? GLUSTER_NODE_COMMANDS : COMMON_COMMANDS;
}

/** `. FILE`: the file must exist on the node; its `export K=V` lines set variables. */
function source(ctx: CommandContext, argv: string[], shellEnv: Record<string, string>): LabExecResult {
  const file = argv[1];
  if (file === undefined) return { stdout: '', stderr: 'bash: .: filename argument required\n.: usage: . filename [arguments]\n', exitCode: 2 };
  const entry = ctx.node.files.get(file);
  if (!entry) return { stdout: '', stderr: `bash: ${file}: No such file or directory\n`, exitCode: 1 };
  const text = typeof entry.content === 'function' ? entry.content() : entry.content;
  for (const m of text.matchAll(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) shellEnv[m[1]!] = m[2]!;
  return { stdout: '', stderr: '', exitCode: 0 };
}

function requireCompute(node: LabNode, fault: string): void {
  if (!node.isCompute) throw new Error(`lab fault ${fault}: ${node.name} is not a compute node`);
}

function requireArg(arg: string | undefined, fault: string, what: string): string {
  if (arg === undefined || arg.trim() === '') throw new Error(`lab fault ${fault} needs ${what}`);
  return arg.trim();
}

function applyFault(state: LabState, node: LabNode, fault: string, arg: string | undefined, now: number): void {
  advanceNova(state, now);
  switch (fault) {
    case 'brick-down':
    case 'brick-up':
      requireCompute(node, fault);
      if (fault === 'brick-up' && node.brickKilled) respawnBrick(node);
      node.brickKilled = fault === 'brick-down';
      break;
    case 'glusterd-down':
    case 'glusterd-up':
      requireCompute(node, fault);
      setGlusterd(state, node, fault === 'glusterd-up', now);
      break;
    case 'gluster-version':
      requireCompute(node, fault);
      node.glusterVersion = requireArg(arg, fault, 'a version, e.g. 3.2');
      break;
    case 'cache-unsafe':
    case 'cache-safe':
      requireCompute(node, fault);
      node.cacheUnsafe = fault === 'cache-unsafe';
      break;
    case 'unmount':
      requireCompute(node, fault);
      node.mounted = null;
      node.fuseDead = false;
      break;
    case 'gluster-locked':
      requireCompute(node, fault);
      state.glusterLock = lockFault(node, arg);
      break;
    case 'gluster-unlocked':
      state.glusterLock = null;
      break;
    case 'fuse-dead':
      // The node's glusterfs client killed: findmnt still lists the mount, stat says ENOTCONN.
      requireCompute(node, fault);
      if (node.mounted === null) throw new Error(`lab fault fuse-dead: nothing is mounted on ${node.name}`);
      node.fuseDead = true;
      break;
    case 'mount':
      requireCompute(node, fault);
      if (!state.volumes.has(VOLUME_NAME)) throw new Error(`lab fault mount: there is no volume ${VOLUME_NAME} yet`);
      node.mounted = VOLUME_NAME;
      node.fuseDead = false;
      // The source as findmnt shows it; the runbooks write both localhost:vm-instances and localhost:/vm-instances.
      node.mountSource = arg?.trim() || `localhost:${VOLUME_NAME}`;
      break;
    case 'migration-fails':
      requireCompute(node, fault);
      node.migrationFailure = arg?.trim() || 'Live Migration failure: operation failed';
      break;
    case 'migration-ok':
      delete node.migrationFailure;
      break;
    case 'post-migration-stall': {
      // nova's post-live-migration steps (port bindings, volume connections) taking long: the record stays post-migrating.
      requireCompute(node, fault);
      const seconds = Number(requireArg(arg, fault, 'seconds'));
      if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`lab fault post-migration-stall: ${JSON.stringify(arg)} is not a number of seconds`);
      node.postMigrationStallSeconds = seconds;
      break;
    }
    case 'service-disable':
    case 'service-enable':
    case 'nova-compute-down':
    case 'nova-compute-up': {
      requireCompute(node, fault);
      const s = computeService(state, node.name)!;
      if (fault === 'service-disable') [s.enabled, s.disabledReason] = [false, arg?.trim() || null];
      else if (fault === 'service-enable') [s.enabled, s.disabledReason] = [true, null];
      else s.up = fault === 'nova-compute-up';
      break;
    }
    case 'instance-add': {
      const [name, host = 'compute01', extra] = requireArg(arg, fault, '"NAME [HOST]"').split(/\s+/);
      if (extra !== undefined || !state.computes.includes(host)) throw new Error(`lab fault instance-add: expected "NAME [HOST]" with HOST a compute node, got ${JSON.stringify(arg)}`);
      addInstance(state, name!, host, now);
      break;
    }
    case 'instance-state': {
      const [ref, status, extra] = requireArg(arg, fault, '"NAME STATE"').split(/\s+/);
      if (status === undefined || extra !== undefined) throw new Error(`lab fault instance-state: expected "NAME STATE", got ${JSON.stringify(arg)}`);
      const found = findServer(state, ref!);
      if (!('inst' in found)) throw new Error(`lab fault instance-state: ${found.error === 'missing' ? 'no' : 'more than one'} instance ${JSON.stringify(ref)}; use its id`);
      setInstanceState(found.inst, status.toUpperCase(), now);
      break;
    }
    default:
      throw new Error(`unknown lab fault ${JSON.stringify(fault)} (known: ${LAB_FAULTS.join(', ')})`);
  }
  advanceGluster(state, now);
}
