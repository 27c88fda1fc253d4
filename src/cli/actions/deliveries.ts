import { DEFAULT_REJECTION_BUDGET } from '../../ingest/rejection-budget.js';
import type { DeliveryOutcome, WebhookDelivery, WebhookRejectionTotal } from '../../store/types.js';
import { formatTime, oneLine, withOperatorContext } from './operator.js';

export interface DeliveriesCommandOptions {
  readonly outcome?: DeliveryOutcome;
  readonly event?: string;
  readonly limit: number;
}

function printRows(rows: readonly WebhookDelivery[]): void {
  for (const row of rows) {
    const what = row.eventId === null ? '(no event id)' : `${row.eventId} ${row.eventType ?? ''}`.trim();
    const why = row.reason === null ? '' : `  ${oneLine(row.reason)}`;
    console.log(`${formatTime(row.receivedAt)}  ${row.outcome.padEnd(9)}  from ${row.sourceAddress ?? 'unknown'}  ${what}${why}`);
  }
  const refused = rows.filter((row) => row.outcome === 'rejected' || row.outcome === 'failed').length;
  if (refused > 0) console.log(`${refusedSummary(refused, rows.length)}; a signature_mismatch usually means STRIPE_WEBHOOK_SECRET is not the endpoint's`);
}

function refusedSummary(refused: number, shown: number): string {
  if (shown === 1) return 'this delivery was refused or not stored';
  if (refused === shown) return `all ${shown} of these were refused or not stored`;
  return `${refused} of these ${shown} ${refused === 1 ? 'was' : 'were'} refused or not stored`;
}

function printCounted(totals: readonly WebhookRejectionTotal[]): void {
  const sum = totals.reduce((all, total) => all + total.requests, 0);
  console.log(`${sum} more refused requests counted without a row each (past ${DEFAULT_REJECTION_BUDGET.rowsPerAddress} an address a minute), per address and reason:`);
  const width = Math.max(...totals.map((total) => total.sourceAddress.length));
  for (const total of totals) {
    const between = `${formatTime(total.firstMinuteStart)} to ${formatTime(total.lastMinuteStart + 60_000)}`;
    console.log(`  ${total.sourceAddress.padEnd(width)}  ${total.reason.padEnd(19)}  ${String(total.requests).padStart(8)}  ${between}`);
  }
}

export async function listDeliveries(options: DeliveriesCommandOptions): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'deliveries' }, async ({ store }) => {
    const rows = await store.deliveryLog.list({
      limit: options.limit,
      ...(options.outcome ? { outcome: options.outcome } : {}),
      ...(options.event ? { eventId: options.event } : {}),
    });
    // Counted requests have no event id and were all rejected: they answer neither --event nor another --outcome.
    const countedApply = options.event === undefined && (options.outcome === undefined || options.outcome === 'rejected');
    const counted = countedApply ? await store.rejectionCounts.totals({ limit: options.limit }) : [];
    if (rows.length === 0 && counted.length === 0) {
      console.log('no webhook deliveries recorded');
      return;
    }
    printRows(rows);
    if (counted.length > 0) printCounted(counted);
  });
}
