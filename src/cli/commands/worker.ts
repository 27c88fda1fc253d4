import type { Command } from 'commander';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process stored events without serving HTTP (pair with `settled serve --no-worker`; needs a shared DATABASE_URL)')
    .action(async () => {
      const { runWorker } = await import('../actions/worker.js');
      await runWorker();
    });
}
