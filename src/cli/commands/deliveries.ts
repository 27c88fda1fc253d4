import { InvalidArgumentError, type Command } from 'commander';
import type { DeliveryOutcome } from '../../store/types.js';
import type { DeliveriesCommandOptions } from '../actions/deliveries.js';
import { positiveInteger } from '../options.js';

const OUTCOMES: readonly DeliveryOutcome[] = ['stored', 'duplicate', 'rejected', 'failed'];

function outcome(value: string): DeliveryOutcome {
  const found = OUTCOMES.find((known) => known === value);
  if (found === undefined) throw new InvalidArgumentError(`one of ${OUTCOMES.join(', ')}`);
  return found;
}

export function registerDeliveries(program: Command): void {
  program
    .command('deliveries')
    .description(
      'the webhook delivery log, newest first: every request to the webhook endpoint, accepted or refused; refusals past the first few an address a minute are summed per address and reason',
    )
    .option('--outcome <outcome>', `only ${OUTCOMES.join(' | ')}`, outcome)
    .option('--event <eventId>', 'only requests that carried this event id')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: DeliveriesCommandOptions) => {
      const { listDeliveries } = await import('../actions/deliveries.js');
      await listDeliveries(options);
    });
}
