/** Volume-wide gluster questions can be asked of any compute node: ask them in order until one answers. */
import type { Cluster } from './cluster.js';
import { NotFoundError } from '../errors.js';

/**
 * Runs `ask` on compute nodes in config order and returns the first answer.
 * An answer that the volume does not exist is final (every node would say so);
 * other failures (node down, glusterd down) move on to the next node.
 */
export async function askComputes<T>(cluster: Cluster, ask: (node: string) => Promise<T>): Promise<T> {
  let last: unknown = new Error('no compute node in ferry.yml');
  for (const n of cluster.config.nodes.computes) {
    try {
      return await ask(n.name);
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      last = err;
    }
  }
  throw last;
}
