/**
 * The `nova` CLI (python-novaclient 18.1, compute API 2.96) on the control
 * node: tables, errors, exit codes and the deprecation warning it prints on
 * stderr every time, as in shared/fixtures/nova.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs, type ArgSpec } from './cli-args.js';
import { failure, result, type CommandContext, type LabCommand } from './exec-result.js';
import { abortMigration, advanceNova, findServer, runningMigrations, startLiveMigration, type ApiError } from './nova-ops.js';
import {
  hypervisorId,
  hypervisorRows,
  instanceActionDict,
  migrationListRow,
  MIGRATION_LIST_HEADERS,
  networksText,
  POWER_STATE_NAMES,
  serverMigrationDict,
  serverMigrationRow,
  SERVER_MIGRATION_HEADERS,
  serverShowDict,
  serviceRow,
  SERVICE_HEADERS,
} from './nova-views.js';
import { dash, isoMicro, prettyTable, propertyTable } from './py-format.js';
import { computeService, nodeOf, type Instance, type LabState } from './state.js';

const DEPRECATED = 'nova CLI is deprecated and will be a removed in a future release\n';

// Verbatim from nova-service-disable-old-syntax: argparse's top-level usage.
const MAIN_USAGE = `usage: nova [--version] [--debug] [--os-cache] [--timings]
            [--os-region-name <region-name>] [--service-type <service-type>]
            [--service-name <service-name>]
            [--os-endpoint-type <endpoint-type>]
            [--os-compute-api-version <compute-api-ver>]
            [--os-endpoint-override <bypass-url>] [--insecure]
            [--os-cacert <ca-certificate>] [--os-cert <certificate>]
            [--os-key <key>] [--timeout <seconds>] [--collect-timing]
            [--os-auth-type <name>] [--os-auth-url OS_AUTH_URL]
            [--os-system-scope OS_SYSTEM_SCOPE] [--os-domain-id OS_DOMAIN_ID]
            [--os-domain-name OS_DOMAIN_NAME] [--os-project-id OS_PROJECT_ID]
            [--os-project-name OS_PROJECT_NAME]
            [--os-project-domain-id OS_PROJECT_DOMAIN_ID]
            [--os-project-domain-name OS_PROJECT_DOMAIN_NAME]
            [--os-trust-id OS_TRUST_ID]
            [--os-default-domain-id OS_DEFAULT_DOMAIN_ID]
            [--os-default-domain-name OS_DEFAULT_DOMAIN_NAME]
            [--os-user-id OS_USER_ID] [--os-username OS_USERNAME]
            [--os-user-domain-id OS_USER_DOMAIN_ID]
            [--os-user-domain-name OS_USER_DOMAIN_NAME]
            [--os-password OS_PASSWORD]
            <subcommand> ...
`;

interface NovaCall {
  ctx: CommandContext;
  args: string[];
  microversion: number;
}

type Sub = { usage: string; spec: ArgSpec; positional: [number, number]; run: (c: NovaCall, p: ReturnType<typeof parseArgs>) => string };

const ok = (stdout: string) => result(stdout, DEPRECATED);

class NovaError extends Error {
  constructor(readonly text: string, readonly exitCode = 1) {
    super(text);
  }
}

function apiError(e: ApiError): never {
  throw new NovaError(`ERROR (${e.kind}): ${e.message} (HTTP ${e.code})`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Compute API 2.53+ refusing a name where it takes a UUID, with the Request-ID the real API adds (nova-26 captures). */
function invalidUuid(ref: string): never {
  throw new NovaError(`ERROR (BadRequest): Invalid uuid ${ref} (HTTP 400) (Request-ID: req-${randomUUID()})`);
}

function server(state: LabState, ref: string): Instance {
  const found = findServer(state, ref);
  if ('inst' in found) return found.inst;
  throw new NovaError(
    found.error === 'missing'
      ? `ERROR (CommandError): No server with a name or ID of '${ref}' exists.`
      : `ERROR (CommandError): Multiple server matches found for '${ref}', use an ID to be more specific.`,
  );
}

const SUBCOMMANDS: Record<string, Sub> = {
  show: {
    usage: '[--minimal] [--wrap <integer>] <server>',
    spec: { flags: ['--minimal'], values: ['--wrap'] },
    positional: [1, 1],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      const props = serverShowDict(ctx.state, inst);
      if (!p.flags.has('--minimal')) return propertyTable(props);
      // --minimal skips the flavor and image look-ups: their names only (nova-show-cirros1-before-minimal).
      const kept = Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith('flavor:')));
      return propertyTable({ ...kept, flavor: inst.flavor.name, image: ctx.state.imageId });
    },
  },
  list: {
    usage: '[--reservation-id <reservation-id>] [--ip <ip-regexp>] [--name <name-regexp>] [--status <status>] [--host <hostname>] [--all-tenants [<0|1>]]',
    spec: { values: ['--host', '--status', '--name', '--tenant', '--user', '--limit'], optionalValues: ['--all-tenants'], flags: ['--minimal', '--deleted', '--fields'] },
    positional: [0, 0],
    run: ({ ctx }, p) => novaList(ctx, p),
  },
  'live-migration': {
    usage: '[--block-migrate] [--force] <server> [<host>]',
    spec: { flags: ['--block-migrate', '--force'] },
    positional: [1, 2],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      const host = p.positional[1] ?? pickHost(ctx.state, inst);
      const started = startLiveMigration(ctx.state, inst, host, ctx.now);
      if ('kind' in started) apiError(started);
      return '';
    },
  },
  'live-migration-abort': {
    usage: '<server> <migration>',
    spec: {},
    positional: [2, 2],
    run: ({ ctx, microversion }, p) => {
      const err = abortMigration(ctx.state, server(ctx.state, p.positional[0]!), p.positional[1]!, ctx.now, microversion);
      if (err) apiError(err);
      return '';
    },
  },
  'service-list': {
    usage: '[--host <hostname>] [--binary <binary>]',
    spec: { values: ['--host', '--binary'] },
    positional: [0, 0],
    run: ({ ctx }, p) => {
      const host = p.values.get('--host');
      const binary = p.values.get('--binary');
      const rows = ctx.state.services
        .filter((s) => (host === undefined || s.host === host) && (binary === undefined || s.binary === binary))
        .map((s) => serviceRow(s, ctx.now));
      return prettyTable(SERVICE_HEADERS, rows.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    },
  },
  'service-disable': {
    usage: '[--reason <reason>] <id>',
    spec: { values: ['--reason'] },
    positional: [1, 1],
    run: ({ ctx }, p) => setService(ctx, p.positional[0]!, false, p.values.get('--reason')),
  },
  'service-enable': {
    usage: '<id>',
    spec: {},
    positional: [1, 1],
    run: ({ ctx }, p) => setService(ctx, p.positional[0]!, true),
  },
  'hypervisor-list': {
    usage: '[--matching <hostname>] [--limit <limit>]',
    spec: { values: ['--matching', '--limit', '--marker'] },
    positional: [0, 0],
    run: ({ ctx }, p) => {
      const match = p.values.get('--matching');
      const rows = ctx.state.computes
        .filter((c) => match === undefined || nodeOf(ctx.state, c).fqdn.includes(match))
        .map((c) => {
          const s = computeService(ctx.state, c)!;
          return [hypervisorId(ctx.state, c), nodeOf(ctx.state, c).fqdn, s.up ? 'up' : 'down', s.enabled ? 'enabled' : 'disabled'];
        });
      return prettyTable(['ID', 'Hypervisor hostname', 'State', 'Status'], rows);
    },
  },
  'hypervisor-show': {
    usage: '[--wrap <integer>] <hypervisor>',
    spec: { values: ['--wrap'] },
    positional: [1, 1],
    run: ({ ctx, microversion }, p) => {
      const ref = p.positional[0]!;
      const { state } = ctx;
      let host: string | undefined;
      if (microversion >= 2.53) {
        // novaclient asks GET /os-hypervisors/REF first; nova 2.53+ refuses anything but a UUID (nova-hypervisor-show-compute02).
        if (!UUID.test(ref)) invalidUuid(ref);
        host = state.computes.find((c) => hypervisorId(state, c) === ref.toLowerCase());
        if (!host) apiError({ kind: 'NotFound', code: 404, message: `Hypervisor with ID '${ref}' could not be found.` });
      } else {
        // Up to 2.52: an integer id, else the exact hypervisor_hostname among all hypervisors.
        host = state.computes.find((c) => String(state.computes.indexOf(c) + 1) === ref) ?? state.computes.find((c) => nodeOf(state, c).fqdn === ref);
        if (!host) throw new NovaError(`ERROR (CommandError): No hypervisor with a name or ID of '${ref}' exists.`);
      }
      return propertyTable(hypervisorRows(state, host, microversion));
    },
  },
  'migration-list': {
    usage: '[--instance-uuid <instance_uuid>] [--host <host>] [--status <status>] [--migration-type <migration_type>]',
    spec: { values: ['--instance-uuid', '--host', '--status', '--migration-type', '--source-compute', '--limit', '--marker', '--changes-since', '--changes-before', '--project-id', '--user-id'] },
    positional: [0, 0],
    run: ({ ctx }, p) => {
      const f = (k: string) => p.values.get(k);
      const rows = ctx.state.migrations
        .filter((m) => (f('--instance-uuid') === undefined || m.instanceId === f('--instance-uuid')) && (f('--status') === undefined || m.status === f('--status')))
        .filter((m) => f('--host') === undefined || m.source === f('--host') || m.dest === f('--host'))
        .filter((m) => f('--migration-type') === undefined || f('--migration-type') === 'live-migration')
        // Newest first, as nova sorts them (created_at, id descending: capture nova-migration-list-final).
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
        .map((m) => migrationListRow(ctx.state, m));
      return prettyTable(MIGRATION_LIST_HEADERS, rows);
    },
  },
  'server-migration-list': {
    usage: '<server>',
    spec: {},
    positional: [1, 1],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      return prettyTable(SERVER_MIGRATION_HEADERS, runningMigrations(ctx.state, inst).map((m) => serverMigrationRow(ctx.state, m, ctx.now)));
    },
  },
  'server-migration-show': {
    usage: '<server> <migration>',
    spec: {},
    positional: [2, 2],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      const id = p.positional[1]!;
      const m = runningMigrations(ctx.state, inst).find((x) => String(x.id) === id);
      if (!m) apiError({ kind: 'NotFound', code: 404, message: `In-progress live migration ${id} is not found for server ${inst.id}.` });
      return propertyTable(serverMigrationDict(ctx.state, m, ctx.now));
    },
  },
  'instance-action-list': {
    usage: '[--marker <marker>] [--limit <limit>] [--changes-since <changes_since>] [--changes-before <changes_before>] <server>',
    spec: { values: ['--marker', '--limit', '--changes-since', '--changes-before'] },
    positional: [1, 1],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      const rows = [...inst.actions]
        .sort((a, b) => a.startTime - b.startTime)
        .map((a) => [a.action, a.requestId, dash(a.message), isoMicro(a.startTime), isoMicro(a.updatedAt)]);
      return prettyTable(['Action', 'Request_ID', 'Message', 'Start_Time', 'Updated_At'], rows);
    },
  },
  'instance-action': {
    usage: '<server> <request-id>',
    spec: {},
    positional: [2, 2],
    run: ({ ctx }, p) => {
      const inst = server(ctx.state, p.positional[0]!);
      const action = inst.actions.find((a) => a.requestId === p.positional[1]);
      if (!action) apiError({ kind: 'NotFound', code: 404, message: `Action for request_id ${p.positional[1]} on instance ${inst.id} not found` });
      return propertyTable(instanceActionDict(ctx.state, inst, action));
    },
  },
};

/** `nova ...` on the control node. */
export const novaCommand: LabCommand = (ctx, args) => {
  advanceNova(ctx.state, ctx.now);
  let microversion = 2.96;
  let i = 0;
  // Global options come before the subcommand.
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a === '--os-compute-api-version') microversion = parseVersion(args[++i]);
    else if (a.startsWith('--os-compute-api-version=')) microversion = parseVersion(a.split('=')[1]);
    else if ((a.startsWith('--os-') || ['--timeout', '--service-type', '--service-name'].includes(a)) && !a.includes('=')) i++;
  }
  const name = args[i];
  const sub = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!name || !sub) {
    const why = name ? `argument <subcommand>: invalid choice: '${name}'` : 'too few arguments';
    return failure(`${DEPRECATED}${MAIN_USAGE}error: ${why}\nTry 'nova help ' for more information.\n`, 2);
  }
  const parsed = parseArgs(args.slice(i + 1), sub.spec);
  const [min, max] = sub.positional;
  if (parsed.missingValue || parsed.positional.length < min) {
    const why = parsed.missingValue ? `argument ${parsed.missingValue}: expected one argument` : 'the following arguments are required: ' + requiredNames(sub.usage, parsed.positional.length);
    return failure(`${DEPRECATED}usage: nova ${name} ${sub.usage}\nerror: ${why}\nTry 'nova help ${name}' for more information.\n`, 2);
  }
  if (parsed.unknown.length > 0 || parsed.positional.length > max) {
    const extra = [...parsed.positional.slice(max), ...parsed.unknown].join(' ');
    return failure(`${DEPRECATED}${MAIN_USAGE}error: unrecognized arguments: ${extra}\nTry 'nova help ' for more information.\n`, 2);
  }
  try {
    return ok(sub.run({ ctx, args, microversion }, parsed));
  } catch (err) {
    if (err instanceof NovaError) return failure(`${DEPRECATED}${err.text}\n`, err.exitCode);
    throw err;
  }
};

function parseVersion(v: string | undefined): number {
  const n = Number(v === 'latest' || v === '2.latest' ? '2.96' : v);
  return Number.isFinite(n) ? n : 2.96;
}

function requiredNames(usage: string, have: number): string {
  return (usage.match(/(?<!\[)<[a-z_-]+>(?![^[]*\])/g) ?? []).slice(have).join(', ');
}

/** Without a target host the scheduler picks the enabled, up compute with the most free RAM. */
function pickHost(state: LabState, inst: Instance): string {
  let best = '';
  let bestUsed = Infinity;
  for (const c of state.computes) {
    const s = computeService(state, c);
    if (c === inst.host || !s?.enabled || !s.up) continue;
    const used = state.instances.filter((i) => i.host === c).reduce((sum, i) => sum + i.flavor.ram, 0);
    if (used < bestUsed) [best, bestUsed] = [c, used];
  }
  if (!best) apiError({ kind: 'BadRequest', code: 400, message: 'No valid host was found. There are not enough hosts available.' });
  return best;
}

function novaList(ctx: CommandContext, p: ReturnType<typeof parseArgs>): string {
  const allTenants = p.flags.has('--all-tenants') || (p.values.has('--all-tenants') && p.values.get('--all-tenants') !== '0');
  const host = p.values.get('--host');
  const status = p.values.get('--status');
  const name = p.values.get('--name');
  const nameRe = name === undefined ? undefined : safeRegExp(name);
  const servers = ctx.state.instances
    .filter((i) => (host === undefined || i.host === host) && (status === undefined || i.status === status.toUpperCase()))
    .filter((i) => nameRe === undefined || nameRe.test(i.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  const headers = ['ID', 'Name', ...(allTenants ? ['Tenant ID'] : []), 'Status', 'Task State', 'Power State', 'Networks'];
  const rows = servers.map((i) => [
    i.id,
    i.name,
    ...(allTenants ? [ctx.state.projectId] : []),
    i.status,
    dash(i.taskState),
    POWER_STATE_NAMES[i.powerState] ?? 'NOSTATE',
    networksText(i),
  ]);
  return prettyTable(headers, rows);
}

/** nova's name filter is a regular expression; one that does not compile matches nothing. */
function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return /(?!)/;
  }
}

function setService(ctx: CommandContext, id: string, enable: boolean, reason?: string): string {
  // Compute API >= 2.53 addresses services by UUID.
  if (!UUID.test(id)) invalidUuid(id);
  const s = ctx.state.services.find((x) => x.id === id.toLowerCase());
  if (!s) apiError({ kind: 'NotFound', code: 404, message: `Service ${id} could not be found.` });
  s.enabled = enable;
  s.disabledReason = enable ? null : (reason ?? null);
  const row = [s.id, s.host, s.binary, enable ? 'enabled' : 'disabled'];
  if (reason !== undefined && !enable) return prettyTable(['ID', 'Host', 'Binary', 'Status', 'Disabled Reason'], [[...row, reason]]);
  return prettyTable(['ID', 'Host', 'Binary', 'Status'], [row]);
}
