import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'emulator/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // After the default reporter, so that an unhandled error is also told after the summary.
    reporters: ['default', './test/support/unhandled-errors-reporter.ts'],
  },
});
