/**
 * ferry's own package directory, found upwards from the running file: src/ in a
 * checkout, dist/src/ when built, and wherever the bundler put a chunk.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The directory of ferry's package.json and its version; undefined when none is found above this file. */
export function ferryPackage(): { dir: string; version: string } | undefined {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ferry' && pkg.version) return { dir: fileURLToPath(dir), version: pkg.version };
    } catch {
      // no package.json here: look one level up
    }
    if (new URL('..', dir).href === dir.href) return undefined;
  }
}
