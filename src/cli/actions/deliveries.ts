import type { DeliveryOutcome } from '../../store/types.js';
import { formatTime, oneLine, withOperatorContext } from './operator.js';

export interface DeliveriesCommandOptions {
  readonly outcome?: DeliveryOutcome;
  readonly event?: string;
  readonly limit: number;
}

export async function listDeliveries(options: DeliveriesCommandOptions): Promise<void> {
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
}
