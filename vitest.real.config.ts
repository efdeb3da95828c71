import { defineConfig } from 'vitest/config';

/** `npm run test:real`: the real GlusterFS bed (.ci/real-gluster), root only; not part of `vitest run`. */
export default defineConfig({
  test: {
    include: ['test/real/*.real.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // One bed on fixed names: one file at a time.
    fileParallelism: false,
  },
});
