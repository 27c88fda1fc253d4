import { readDeliveryLog, type DeliveryLogView } from '../../operations/delivery-log.js';
import type { DeliveryOutcome } from '../../store/types.js';
import { formatTime, oneLine, withOperatorContext } from './operator.js';

export interface DeliveriesCommandOptions {
  readonly outcome?: DeliveryOutcome;
  readonly event?: string;
  readonly limit: number;
}

function printRows({ rows, refused }: DeliveryLogView): void {
  for (const row of rows) {
    const what = row.eventId === null ? '(no event id)' : `${row.eventId} ${row.eventType ?? ''}`.trim();
    const why = row.reason === null ? '' : `  ${oneLine(row.reason)}`;
    console.log(`${formatTime(row.receivedAt)}  ${row.outcome.padEnd(9)}  from ${row.sourceAddress ?? 'unknown'}  ${what}${why}`);
  }
  if (refused > 0) console.log(`${refusedSummary(refused, rows.length)}; a signature_mismatch usually means STRIPE_WEBHOOK_SECRET is not the endpoint's`);
}

function refusedSummary(refused: number, shown: number): string {
  if (shown === 1) return 'this delivery was refused or not stored';
  if (refused === shown) return `all ${shown} of these were refused or not stored`;
  return `${refused} of these ${shown} ${refused === 1 ? 'was' : 'were'} refused or not stored`;
}

function printCounted({ counted, countedRequests, rowsPerAddress }: DeliveryLogView): void {
  console.log(`${countedRequests} more refused requests counted without a row each (past ${rowsPerAddress} an address a minute), per address and reason:`);
  const width = Math.max(...counted.map((total) => total.sourceAddress.length));
  for (const total of counted) {
    const between = `${formatTime(total.firstMinuteStart)} to ${formatTime(total.lastMinuteStart + 60_000)}`;
    console.log(`  ${total.sourceAddress.padEnd(width)}  ${total.reason.padEnd(19)}  ${String(total.requests).padStart(8)}  ${between}`);
  }
}

export async function listDeliveries(options: DeliveriesCommandOptions): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'deliveries' }, async ({ store }) => {
    const log = await readDeliveryLog(store, { outcome: options.outcome, eventId: options.event, limit: options.limit });
    if (log.rows.length === 0 && log.counted.length === 0) {
      console.log('no webhook deliveries recorded');
      return;
    }
    printRows(log);
    if (log.counted.length > 0) printCounted(log);
  });
}
