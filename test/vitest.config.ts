import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contract/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['contract/bullmq-setup.ts'],
    // One file at a time: each file's bullmq rows start a pair of worker processes on the one Redis
    // (and the machine has two cores), so files running side by side would starve each other's steps.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
