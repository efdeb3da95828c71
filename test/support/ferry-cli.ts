/** `ferry ARGS` as a separate process, the way a person runs it. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// tsx by its own path, so the child finds it from any working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const run = promisify(execFile);

export interface FerryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ferry ARGS` and resolves with its output and exit code. `env` is laid
 * over this process's environment (LOG_LEVEL=warn by default); a key set to
 * undefined is removed, e.g. `{ REDIS_URL: undefined }`.
 */
export async function ferry(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<FerryResult> {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  try {
    const r = await run(process.execPath, ['--import', TSX, MAIN, ...args], { env, cwd: opts.cwd, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
