import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contract/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['contract/bullmq-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
