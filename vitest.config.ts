import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Labs, Redis servers and Bolt apps are real processes and ports; two cores run them best a few files at a time.
    maxWorkers: 2,
  },
});
