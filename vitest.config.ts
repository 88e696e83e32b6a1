import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/setup/temp-root.ts'],
    setupFiles: ['./test/setup/clean-temp.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
