/**
 * A compute node's hypervisor, with its RAM and vCPU figures.
 *
 * From compute API 2.53 nova takes a hypervisor's UUID, not a name
 * (`hypervisor-show compute02` → `Invalid uuid compute02 (HTTP 400)`), and from
 * 2.88 it no longer reports RAM and vCPUs at all. At 2.52, `hypervisor-show NAME`
 * still finds the hypervisor whose hypervisor_hostname is exactly NAME and prints
 * every figure (capture nova-hypervisor-show-compute02-2.52). That hostname may be
 * the FQDN while nova-compute's service host is short, or the reverse; so ferry
 * asks by both names of the node at once and keeps the answer whose service_host
 * is the node's nova name. Only when neither is a hypervisor hostname does it read
 * `hypervisor-list` for a hostname that names the same machine (one call more).
 */
import type { NodeConfig } from '../config.js';
import { NotFoundError } from '../errors.js';
import type { NovaOps } from './nova.js';
import type { Hypervisor } from './nova-types.js';

/** The last microversion at which hypervisor-show takes a name and reports RAM and vCPUs. */
export const NAME_MICROVERSION = '2.52';

type Node = Pick<NodeConfig, 'name' | 'fqdn'>;

/** The node's hypervisor, found by the service host nova-compute reports. NotFoundError if nova has none. */
export async function hypervisorOf(nova: NovaOps, node: Node): Promise<Hypervisor> {
  const names = [...new Set([node.fqdn, node.name])];
  const direct = await showAll(nova, names);
  const hit = pick(direct.found, node);
  if (hit) return hit;
  if (direct.error) throw direct.error;
  const listed = (await nova.hypervisors()).map((h) => h.hostname);
  const others = hostnamesOf(listed, node).filter((n) => !names.includes(n));
  const second = await showAll(nova, others);
  const found = pick(second.found, node);
  if (found) return found;
  if (second.error) throw second.error;
  const seen = [...direct.found, ...second.found].map((h) => `${h.hostname} (service host ${h.serviceHost ?? 'unknown'})`);
  throw new NotFoundError(
    `no hypervisor of nova-compute host ${node.name}: ${seen.length ? `found ${seen.join(', ')}` : `hypervisor-list has ${listed.join(', ') || 'none'}`}`,
  );
}

/** `hypervisor-show` at 2.52 of each name at once; a name that is no hypervisor's is skipped, any other failure kept. */
async function showAll(nova: NovaOps, names: string[]): Promise<{ found: Hypervisor[]; error?: Error }> {
  const answers = await Promise.allSettled(names.map((n) => nova.hypervisor(n, { microversion: NAME_MICROVERSION })));
  const found = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const error = answers.flatMap((a) => (a.status === 'rejected' && !(a.reason instanceof NotFoundError) ? [a.reason as Error] : []))[0];
  return error ? { found, error } : { found };
}

/** The answer that is this node's: its service host is the node's nova name (or, where nova omits it, its hostname is one of the node's names). */
export function pick(found: Hypervisor[], node: Node): Hypervisor | undefined {
  return (
    found.find((h) => h.serviceHost === node.name) ??
    found.find((h) => h.serviceHost === null && (h.hostname === node.name || h.hostname === node.fqdn))
  );
}

/** Hypervisor hostnames from hypervisor-list that may be the node's: either of its names, or the same first label (short name vs FQDN). */
export function hostnamesOf(listed: string[], node: Node): string[] {
  const label = (s: string) => s.split('.')[0]!.toLowerCase();
  const own = [node.name, node.fqdn].map((s) => s.toLowerCase());
  return listed.filter((h) => own.includes(h.toLowerCase()) || own.some((o) => label(o) === label(h)));
}

/** Free RAM (MB) and vCPUs of a hypervisor, or null where nova did not say. */
export function freeRoom(h: Hypervisor | undefined): { ramMb: number | null; vcpus: number | null } {
  const vcpus = h?.vcpus !== undefined && h.vcpusUsed !== undefined ? h.vcpus - h.vcpusUsed : null;
  return { ramMb: h?.freeRamMb ?? null, vcpus };
}
