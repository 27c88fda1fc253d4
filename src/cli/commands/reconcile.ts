import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ReconcileCommandOptions } from '../actions/reconcile.js';

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number is expected');
  return Number(value);
}

export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description("read Stripe's Events API since the last run and look up orders pending too long; feed what the inbox lacks through the usual path; report drift")
    .option('--lookback-hours <hours>', 'first run only: how far back to read events (RECONCILE_LOOKBACK_HOURS, default 72, max 720)', wholeNumber)
    .option('--stale-minutes <minutes>', 'look up orders pending longer than this; 0 skips the sweep (RECONCILE_STALE_MINUTES, default 60)', wholeNumber)
    .option('--json', 'print the report as JSON')
    .action(async (options: ReconcileCommandOptions) => {
      const { runReconcile } = await import('../actions/reconcile.js');
      await runReconcile(options);
    });
}
