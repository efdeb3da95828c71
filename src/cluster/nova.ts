/**
 * NovaOps: the nova operations ferry runs on the control node, through the `nova`
 * CLI (tables) or, when config.openstack.cli is `openstack`, the openstack CLI
 * with `-f json`. Every argument is validated before it becomes an argv element.
 */
import type { Config, NodeConfig } from '../config.js';
import { HOST_NAME, instanceRefProblem, reasonProblem } from '../arg-schemas.js';
import { AmbiguousError, ConfigError, NotFoundError, RemoteCommandError, UsageError } from '../errors.js';
import type { Ssh } from '../ssh/types.js';
import { recordCallTime } from './slow-calls.js';
import {
  parseComputeServiceListJson, parseHypervisorListJson, parseHypervisorShowJson, parseMigrationListJson,
  parseServerEventListJson, parseServerListJson, parseServerShowJson,
} from './nova-json.js';
import {
  novaCliError, parseHypervisorList, parseHypervisorShow, parseInstanceActions, parseMigrationList, parseNovaList,
  parseNovaShow, parseServiceList, stripNovaNoise, parseActionEvents, eventsFromJson, type ActionEvent,
} from './nova-text.js';
import type { Hypervisor, InstanceAction, Migration, Server, ServerSummary, Service } from './nova-types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BINARY = /^[a-z][a-z0-9-]{0,63}$/;
const MICROVERSION = /^2\.\d{1,3}$/;

/** An instance name or UUID; UsageError naming `arg` otherwise. */
export function assertInstanceRef(ref: string, arg = 'instance'): void {
  const problem = instanceRefProblem(ref);
  if (problem) throw new UsageError(`${arg}: ${JSON.stringify(ref)} is not an instance name or UUID: ${problem}`);
}

/** An RFC 1123 host name; UsageError naming `arg` otherwise. */
export function assertHostName(host: string, arg = 'host'): void {
  if (!HOST_NAME.test(host)) throw new UsageError(`${arg}: ${JSON.stringify(host)} is not a host name`);
}

function assertReason(reason: string): void {
  const problem = reasonProblem(reason);
  if (problem) throw new UsageError(`reason: ${JSON.stringify(reason)} must be 1-255 printable characters, not starting with '-': ${problem}`);
}

/** Typed nova operations, all run on config.nodes.control with config.openstack.openrc sourced. */
export class NovaOps {
  constructor(
    private readonly ssh: Ssh,
    private readonly config: Config,
  ) {}

  private get osc(): boolean {
    return this.config.openstack.cli === 'openstack';
  }

  /**
   * One instance by name or UUID. NotFoundError if none; AmbiguousError listing the ids if the name matches several.
   * `minimal`: nova skips the image and flavor look-ups (a call less to glance; flavor by name only, no flavor:ram).
   */
  async show(ref: string, opts: { minimal?: boolean } = {}): Promise<Server> {
    assertInstanceRef(ref);
    if (this.osc) return parseServerShowJson(await this.read(['openstack', 'server', 'show', ref, '-f', 'json'], ref));
    return parseNovaShow(await this.read(['nova', 'show', ...(opts.minimal ? ['--minimal'] : []), ref], ref));
  }

  /** Instances, optionally only those on `host`, optionally of every project. */
  async list(opts: { host?: string; allTenants?: boolean } = {}): Promise<ServerSummary[]> {
    if (opts.host !== undefined) assertHostName(opts.host);
    const host = opts.host === undefined ? [] : ['--host', opts.host];
    if (this.osc) {
      const all = opts.allTenants ? ['--all-projects'] : [];
      return parseServerListJson(await this.read(['openstack', 'server', 'list', ...host, ...all, '--long', '--limit', '-1', '-f', 'json']));
    }
    // Without --limit -1 the CLI returns one page (nova's max_limit, 1000 by default) and says nothing.
    return parseNovaList(await this.read(['nova', 'list', ...host, ...(opts.allTenants ? ['--all-tenants'] : []), '--limit', '-1']));
  }

  /** Nova services, optionally filtered by host and binary (`nova-compute`). */
  async services(opts: { host?: string; binary?: string } = {}): Promise<Service[]> {
    if (opts.host !== undefined) assertHostName(opts.host);
    if (opts.binary !== undefined && !BINARY.test(opts.binary)) throw new UsageError(`binary: ${JSON.stringify(opts.binary)} is not a service binary name`);
    const host = opts.host === undefined ? [] : ['--host', opts.host];
    if (this.osc) {
      const service = opts.binary === undefined ? [] : ['--service', opts.binary];
      return parseComputeServiceListJson(await this.read(['openstack', 'compute', 'service', 'list', ...host, ...service, '-f', 'json']));
    }
    const binary = opts.binary === undefined ? [] : ['--binary', opts.binary];
    return parseServiceList(await this.read(['nova', 'service-list', ...host, ...binary]));
  }

  /** All hypervisors (id, hostname, state; status from nova, type and IP from openstack). */
  async hypervisors(): Promise<Hypervisor[]> {
    if (this.osc) return parseHypervisorListJson(await this.read(['openstack', 'hypervisor', 'list', '-f', 'json']));
    return parseHypervisorList(await this.read(['nova', 'hypervisor-list']));
  }

  /**
   * One hypervisor by hostname. With the negotiated microversion (>= 2.88) nova omits
   * RAM/vCPU figures; pass `{ microversion: '2.87' }` to get them.
   */
  async hypervisor(name: string, opts: { microversion?: string } = {}): Promise<Hypervisor> {
    assertHostName(name, 'hypervisor');
    if (opts.microversion !== undefined && !MICROVERSION.test(opts.microversion)) {
      throw new UsageError(`microversion: ${JSON.stringify(opts.microversion)} is not a compute API microversion like 2.87`);
    }
    const mv = opts.microversion === undefined ? [] : ['--os-compute-api-version', opts.microversion];
    if (this.osc) return parseHypervisorShowJson(await this.read(['openstack', ...mv, 'hypervisor', 'show', name, '-f', 'json']));
    return parseHypervisorShow(await this.read(['nova', ...mv, 'hypervisor-show', name]));
  }

  /**
   * Every migration nova remembers (running and finished), or those of one instance.
   * `limit`: only the newest N (nova sorts newest first from microversion 2.59, which `--limit` needs).
   */
  async migrations(opts: { instanceId?: string; limit?: number } = {}): Promise<Migration[]> {
    const id = opts.instanceId;
    if (id !== undefined && !UUID.test(id)) throw new UsageError(`instance id: ${JSON.stringify(id)} is not a UUID`);
    if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new UsageError(`limit: ${opts.limit} is not a positive integer`);
    const limit = opts.limit === undefined ? [] : ['--limit', String(opts.limit)];
    // openstack's default microversion (2.1) lists migrations without their id (capture openstack-server-migration-list-json).
    if (this.osc) return parseMigrationListJson(await this.read(['openstack', '--os-compute-api-version', '2.80', 'server', 'migration', 'list', ...(id ? ['--server', id] : []), ...limit, '-f', 'json']));
    return parseMigrationList(await this.read(['nova', 'migration-list', ...(id ? ['--instance-uuid', id] : []), ...limit]));
  }

  /** The newest migration nova recorded for one instance (by id), if any. */
  async latestMigration(instanceId: string): Promise<Migration | undefined> {
    return (await this.migrations({ instanceId })).reduce<Migration | undefined>((a, m) => (!a || m.id > a.id ? m : a), undefined);
  }

  /** The in-progress migrations of one instance, with memory/disk progress (nova). */
  async serverMigrations(ref: string): Promise<Migration[]> {
    assertInstanceRef(ref);
    if (this.osc) return parseMigrationListJson(await this.read(['openstack', '--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', ref, '-f', 'json'], ref));
    return parseMigrationList(await this.read(['nova', 'server-migration-list', ref], ref));
  }

  /** The actions taken on one instance (create, live-migration, ...). */
  async actions(ref: string): Promise<InstanceAction[]> {
    assertInstanceRef(ref);
    if (this.osc) return parseServerEventListJson(await this.read(['openstack', 'server', 'event', 'list', ref, '-f', 'json'], ref));
    return parseInstanceActions(await this.read(['nova', 'instance-action-list', ref], ref));
  }

  /** The events of one instance action (what failed and nova's error text). */
  async actionEvents(ref: string, requestId: string): Promise<ActionEvent[]> {
    assertInstanceRef(ref);
    if (!/^req-[0-9a-f-]{36}$/.test(requestId)) throw new UsageError(`request id: ${JSON.stringify(requestId)} is not a nova request id`);
    if (this.osc) {
      const out = await this.read(['openstack', 'server', 'event', 'show', ref, requestId, '-f', 'json'], ref);
      try {
        return eventsFromJson(JSON.stringify((JSON.parse(out) as { events?: unknown }).events ?? []));
      } catch {
        return [];
      }
    }
    return parseActionEvents(await this.read(['nova', 'instance-action', ref, requestId], ref));
  }

  /**
   * Starts a live migration of `ref` to the nova-compute host `targetHost` and returns
   * at once (nova answers before the move; poll show() for status/host).
   * nova's refusals (same host, unknown host, instance stopped) are ClusterErrors of kind BadRequest / Conflict.
   */
  async liveMigrate(ref: string, targetHost: string): Promise<void> {
    assertInstanceRef(ref);
    assertHostName(targetHost, 'target host');
    // --host needs 2.30+ (capture openstack-server-migrate-live-host-no-microversion).
    if (this.osc) await this.run(['openstack', '--os-compute-api-version', '2.30', 'server', 'migrate', '--live-migration', '--host', targetHost, ref], ref);
    else await this.run(['nova', 'live-migration', ref, targetHost], ref);
  }

  /**
   * Asks nova to abort the in-progress live migration `migrationId` of `ref` (DELETE
   * /servers/{id}/migrations/{mid}); nova answers before it acts, so follow the record.
   * Its refusals (instance not migrating: Conflict; migration in a state it cannot abort:
   * BadRequest) are ClusterErrors. Queued or preparing ones need 2.65: the nova CLI
   * negotiates its newest; openstack is told.
   */
  async abortLiveMigration(ref: string, migrationId: number): Promise<void> {
    assertInstanceRef(ref);
    if (!Number.isSafeInteger(migrationId) || migrationId < 1) throw new UsageError(`migration id: ${migrationId} is not a migration id`);
    const id = String(migrationId);
    if (this.osc) await this.run(['openstack', '--os-compute-api-version', '2.65', 'server', 'migration', 'abort', ref, id], ref);
    else await this.run(['nova', 'live-migration-abort', ref, id], ref);
  }

  /** Disables the nova-compute service of `host` (no new instances scheduled there) and returns it. */
  async serviceDisable(host: string, reason: string): Promise<Service> {
    assertHostName(host);
    assertReason(reason);
    const svc = await this.computeService(host);
    if (this.osc) {
      await this.run(['openstack', 'compute', 'service', 'set', '--disable', '--disable-reason', reason, host, 'nova-compute']);
      return this.computeService(host);
    }
    const answer = parseServiceList(await this.run(['nova', 'service-disable', '--reason', reason, ...this.serviceArgs(svc)]))[0];
    return { ...svc, status: 'disabled', disabledReason: answer?.disabledReason ?? reason };
  }

  /** Enables the nova-compute service of `host` again and returns it. `known`: its service as just listed (saves a call). */
  async serviceEnable(host: string, known?: Service): Promise<Service> {
    assertHostName(host);
    const svc = known?.host === host && known.binary === 'nova-compute' ? known : await this.computeService(host);
    if (this.osc) {
      await this.run(['openstack', 'compute', 'service', 'set', '--enable', host, 'nova-compute']);
      return this.computeService(host);
    }
    await this.run(['nova', 'service-enable', ...this.serviceArgs(svc)]);
    return { ...svc, status: 'enabled', disabledReason: null };
  }

  private async computeService(host: string): Promise<Service> {
    const svc = (await this.services({ host, binary: 'nova-compute' })).find((s) => s.host === host && s.binary === 'nova-compute');
    if (!svc) throw new NotFoundError(`no nova-compute service on host ${host}`);
    return svc;
  }

  /**
   * Microversion >= 2.53 identifies services by UUID and `service-disable` takes only
   * that id; older ones take `HOST BINARY` (fixtures nova-service-disable*). The id's
   * form tells which one the server speaks.
   */
  private serviceArgs(svc: Service): string[] {
    return UUID.test(svc.id) ? [svc.id] : [svc.host, svc.binary];
  }

  /**
   * Runs a command on the control node with the openrc sourced, within
   * openstack.commandTimeoutMs (the CLI is slow: seconds per call). A non-zero exit
   * becomes the typed error for its stderr; an ambiguous instance name is resolved
   * to the ids that share it.
   */
  private async run(argv: string[], ref?: string, shared = false): Promise<string> {
    const control = this.config.nodes.control.name;
    const source = this.config.openstack.openrc;
    const started = Date.now();
    const r = await this.ssh.exec(control, argv, { timeoutMs: this.config.openstack.commandTimeoutMs, shared, ...(source === undefined ? {} : { source }) });
    recordCallTime(argv.join(' '), control, Date.now() - started);
    if (r.exitCode === 0) return r.stdout;
    if (source !== undefined) {
      const bad = openrcError(r.stderr, source, this.config.nodes.control);
      if (bad) throw bad;
    }
    const err = novaCliError(r.stderr, r.exitCode);
    if (err instanceof AmbiguousError && ref !== undefined) throw await this.ambiguous(ref);
    throw err ?? new RemoteCommandError(control, argv, r.exitCode, stripNovaNoise(r.stderr) || r.stdout);
  }

  /** run() for a command that only reads: asked at once by several requests, it may share one run (ExecOptions.shared). */
  private read(argv: string[], ref?: string): Promise<string> {
    return this.run(argv, ref, true);
  }

  /** The ids of every instance named exactly `name`, as an AmbiguousError. */
  private async ambiguous(name: string): Promise<AmbiguousError> {
    // nova matches --name as a regular expression: anchor it and escape every metacharacter (any printable name is allowed).
    const pattern = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    const rows = this.osc
      ? parseServerListJson(await this.read(['openstack', 'server', 'list', '--name', pattern, '-f', 'json']))
      : parseNovaList(await this.read(['nova', 'list', '--name', pattern]));
    const ids = rows.filter((s) => s.name === name).map((s) => s.id);
    return new AmbiguousError(`${ids.length || 'several'} instances are named '${name}'${ids.length ? `: ${ids.join(', ')}` : ''}; use an ID`, ids);
  }
}

/** `openstack.openrc` could not be sourced on the control node; the message names the setting and the node. */
export class OpenrcError extends ConfigError {}

/**
 * The shell's answer when `. OPENRC` failed — bash: `bash: [line 1: ]OPENRC: No
 * such file or directory` — as an OpenrcError. nova and openstack never print
 * the openrc's path, so a line naming it comes from the shell.
 */
function openrcError(stderr: string, openrc: string, node: NodeConfig): OpenrcError | undefined {
  const line = stderr.split('\n').find((l) => l.includes(`${openrc}: `));
  const where = `on ${node.name} (${node.fqdn !== node.name ? node.fqdn : node.host})`;
  if (line?.endsWith('No such file or directory')) return new OpenrcError([`openstack.openrc ${openrc} does not exist ${where}`]);
  if (line?.endsWith('Permission denied')) return new OpenrcError([`openstack.openrc ${openrc} is not readable by ${node.user} ${where}`]);
  return undefined;
}
