import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['src/local/temp-guard-unit.ts'],
    setupFiles: ['src/local/vitest-cleanup.ts'],
    testTimeout: 20_000,
  },
});
