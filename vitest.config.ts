import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'emulator/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A file per core, not vitest's default of one fewer: most of a file's time is spent waiting on the processes,
    // servers and databases it starts, so on two cores one file at a time left the machine half idle (the whole
    // suite took 11–15 minutes one at a time, 7½ two at a time).
    maxWorkers: Math.max(2, availableParallelism()),
    // After the default reporter, so that an unhandled error is also told after the summary.
    reporters: ['default', './test/support/unhandled-errors-reporter.ts'],
  },
});
