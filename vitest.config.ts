import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Safety nets, not measurements: on two cores shared with other jobs, a ferry child compiled by tsx takes
    // 15 s or more to start. Tests wait on conditions with deadlines of their own that say what did not happen.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Labs, Redis servers and Bolt apps are real processes and ports; two cores run them best a few files at a time.
    maxWorkers: 2,
  },
});
