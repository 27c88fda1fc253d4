import { InvalidArgumentError, type Command } from 'commander';
import type { DeliveryOutcome } from '../../store/types.js';
import { formatTime, oneLine, positiveInteger, withOperatorContext } from './operator.js';

const OUTCOMES: readonly DeliveryOutcome[] = ['stored', 'duplicate', 'rejected', 'failed'];

function outcome(value: string): DeliveryOutcome {
  const found = OUTCOMES.find((known) => known === value);
  if (found === undefined) throw new InvalidArgumentError(`one of ${OUTCOMES.join(', ')}`);
  return found;
}

export function registerDeliveries(program: Command): void {
  program
    .command('deliveries')
    .description('the webhook delivery log: every request to the webhook endpoint, accepted or refused, newest first')
    .option('--outcome <outcome>', `only ${OUTCOMES.join(' | ')}`, outcome)
    .option('--event <eventId>', 'only requests that carried this event id')
    .option('--limit <n>', 'how many to show', positiveInteger, 50)
    .action(async (options: { outcome?: DeliveryOutcome; event?: string; limit: number }) => {
      await withOperatorContext({ stripe: 'none', command: 'deliveries' }, async ({ store }) => {
        const rows = await store.deliveryLog.list({
          limit: options.limit,
          ...(options.outcome ? { outcome: options.outcome } : {}),
          ...(options.event ? { eventId: options.event } : {}),
        });
        if (rows.length === 0) {
          console.log('no webhook deliveries recorded');
          return;
        }
        for (const row of rows) {
          const what = row.eventId === null ? '(no event id)' : `${row.eventId} ${row.eventType ?? ''}`.trim();
          const why = row.reason === null ? '' : `  ${oneLine(row.reason)}`;
          console.log(`${formatTime(row.receivedAt)}  ${row.outcome.padEnd(9)}  from ${row.sourceAddress ?? 'unknown'}  ${what}${why}`);
        }
        const refused = rows.filter((row) => row.outcome === 'rejected' || row.outcome === 'failed').length;
        if (refused > 0) console.log(`${refused} of these ${rows.length} were refused or not stored; a signature_mismatch usually means STRIPE_WEBHOOK_SECRET is not the endpoint's`);
      });
    });
}
