import type { Reporter, SerializedError } from 'vitest/node';

/**
 * Repeats each unhandled error in a few lines after the run's summary. Vitest prints them above the summary, which
 * a long run's log (or a CI page showing only its end) cuts off: this keeps what the error was where it is read.
 */
export default class UnhandledErrorsReporter implements Reporter {
  onTestRunEnd(_modules: unknown, unhandledErrors: ReadonlyArray<SerializedError>): void {
    if (unhandledErrors.length === 0) return;
    const lines = [`Unhandled errors in this run (${unhandledErrors.length}), again in short:`];
    for (const error of unhandledErrors) {
      const origin = (error as { VITEST_TEST_PATH?: string }).VITEST_TEST_PATH ?? 'unknown file';
      lines.push(`- ${error.name ?? 'Error'}: ${error.message ?? String(error)} (while ${origin} ran)`);
      for (const frame of (error.stacks ?? []).slice(0, 4)) lines.push(`    at ${frame.method || '(anonymous)'} ${frame.file}:${frame.line}:${frame.column}`);
      if (!error.stacks?.length && error.stack) lines.push(...error.stack.split('\n').slice(1, 5));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
