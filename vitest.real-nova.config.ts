import { defineConfig } from 'vitest/config';

/** `npm run test:real -- nova`: the real Nova bed (.ci/real-nova), root only; not part of `vitest run` nor of `npm run test:real`. */
export default defineConfig({
  test: {
    include: ['test/real/nova/*.real.ts'],
    // A nova CLI call takes seconds (tens of seconds on a busy machine); a migration is several of them.
    testTimeout: 1_200_000,
    hookTimeout: 1_800_000,
    fileParallelism: false,
  },
});
