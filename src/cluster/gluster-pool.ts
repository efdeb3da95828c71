/** Which node to run pool-changing gluster commands on: one already in the pool being grown. */
import type { Cluster } from './cluster.js';
import type { Peer } from './gluster-types.js';

/** A node named by its ferry name and the name gluster knows it by. */
export interface PoolCandidate {
  name: string;
  fqdn: string;
}

/**
 * Asks every candidate's glusterd for its pool and picks the one whose pool
 * holds the most of `members` (so a half-built pool grows from where it
 * started); ties go to the first candidate. `pool` is null when no candidate
 * answered (then the first candidate is returned, and `errors` says why).
 */
export async function choosePoolNode(
  cluster: Cluster,
  candidates: PoolCandidate[],
  members: PoolCandidate[] = candidates,
): Promise<{ node: string; pool: Peer[] | null; errors: { node: string; error: Error }[] }> {
  const answers = await Promise.all(
    candidates.map((c) =>
      cluster.gluster.pool(c.name).then(
        (pool) => ({ node: c.name, pool, error: null }),
        (error: unknown) => ({ node: c.name, pool: null, error: error instanceof Error ? error : new Error(String(error)) }),
      ),
    ),
  );
  const size = (pool: Peer[]) => pool.filter((p) => p.self || members.some((m) => p.hostname === m.fqdn || p.hostname === m.name)).length;
  let best: (typeof answers)[number] | undefined;
  for (const a of answers) if (a.pool && (!best || size(a.pool) > size(best.pool!))) best = a;
  const errors = answers.flatMap((a) => (a.error ? [{ node: a.node, error: a.error }] : []));
  return best ? { node: best.node, pool: best.pool, errors } : { node: candidates[0]!.name, pool: null, errors };
}
