import { defineConfig } from 'vitest/config';

// End-to-end tests run the committed dist/ bundles as the runner does, against real tools
// and servers started on 127.0.0.1. Files run in parallel, capped for a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['src/local/temp-guard-e2e.ts'],
    setupFiles: ['src/local/vitest-cleanup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
