import { defineConfig } from 'vitest/config';

// One Redis for the whole run (globalSetup); files run one at a time: each starts real worker
// processes, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
