/**
 * `npm run build`, second step: bundles the program that `ferry` starts
 * (src/cli/main.ts) over tsc's dist/src/cli/main.js, so that a cold
 * `ferry run "/ferry help"` reads a few files instead of some 1,500 modules.
 * Each sub-command stays a chunk of its own, loaded when it runs (main.ts
 * imports them with `await import()`); chunks sit beside main.js because
 * `ferry lab start` finds main.js next to its own file.
 *
 * Left to node_modules at run time: packages with native code or files they
 * read by path (ssh2, bullmq's Lua scripts), and the big ones that only
 * `ferry serve` and the workers load.
 */
import { build } from 'esbuild';

const external = ['ssh2', 'bullmq', 'ioredis', '@slack/bolt', '@slack/socket-mode', '@slack/web-api', 'prom-client'];

/**
 * zod's `z` namespace carries every locale (~370 kB) as `z.locales` (and `z.core.locales`), which
 * ferry never reads; English messages come from zod's own import of en.js.
 */
const withoutZodLocales = {
  name: 'without-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

await build({
  // answer-worker: `ferry serve`'s command thread, started by path (src/slack/answer-thread.ts) from beside main.js.
  entryPoints: { main: 'src/cli/main.ts', 'answer-worker': 'src/slack/answer-worker.ts' },
  outdir: 'dist/src/cli',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [withoutZodLocales],
  // CommonJS packages bundled into ESM call require() for Node's built-ins.
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module';\nconst require = __ferryRequire(import.meta.url);" },
  logLevel: 'warning',
});
