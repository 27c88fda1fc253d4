import type { Command } from 'commander';
import { plainCommand } from '../options.js';

export function registerWorker(program: Command): void {
  plainCommand(
    program,
    'worker',
    'process stored events without serving HTTP (pair with `settled serve --no-worker`; needs a shared DATABASE_URL)',
    async () => (await import('../actions/worker.js')).runWorker,
  );
}
