import { DEFAULT_REJECTION_BUDGET } from '../ingest/rejection-budget.js';
import { countedRejectionsApply, refusedDeliveries, type DeliveryFilter } from '../domain/delivery-log.js';
import type { Store, WebhookDelivery, WebhookRejectionTotal } from '../store/types.js';

export interface DeliveryLogView {
  /** One row per delivery, newest first. */
  readonly rows: readonly WebhookDelivery[];
  /** Of those rows, how many were refused or not stored. */
  readonly refused: number;
  /** Refused requests counted per address and reason without a row each, when they answer the filter. */
  readonly counted: readonly WebhookRejectionTotal[];
  readonly countedRequests: number;
  /** Rows an address gets per minute before its refusals are only counted. */
  readonly rowsPerAddress: number;
}

/** Reads the webhook delivery log (what Stripe, or anyone, sent to the webhook and what became of it). */
export async function readDeliveryLog(store: Pick<Store, 'deliveryLog' | 'rejectionCounts'>, filter: DeliveryFilter & { readonly limit: number }): Promise<DeliveryLogView> {
  const rows = await store.deliveryLog.list({
    limit: filter.limit,
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.eventId ? { eventId: filter.eventId } : {}),
  });
  const counted = countedRejectionsApply(filter) ? await store.rejectionCounts.totals({ limit: filter.limit }) : [];
  return {
    rows,
    refused: refusedDeliveries(rows.map((row) => row.outcome)),
    counted,
    countedRequests: counted.reduce((all, total) => all + total.requests, 0),
    rowsPerAddress: DEFAULT_REJECTION_BUDGET.rowsPerAddress,
  };
}
