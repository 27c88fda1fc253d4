import type { OrderStatus } from '../domain/order.js';
import type { Store } from '../store/types.js';

// What the chart counts as a failed payment: Stripe's word for it, once processed.
const FAILED_PAYMENT_TYPES = new Set(['payment_intent.payment_failed', 'checkout.session.async_payment_failed']);
// The chart reads this many of the newest orders and events; a shop with more in a day sees its newest.
const CHART_SAMPLE = 1000;

/** Is anything wrong right now: the counts, the inbox's lag, and when payments succeeded and failed. */
export interface Overview {
  readonly orders: number;
  readonly byStatus: Readonly<Partial<Record<OrderStatus, number>>>;
  readonly deadLetters: number;
  readonly eventsWaiting: number;
  /** How long the oldest waiting event has waited, in whole seconds; 0 when none waits. */
  readonly lagSeconds: number;
  /** Unix milliseconds of each payment and each failed payment among the newest orders and events. */
  readonly payments: readonly number[];
  readonly failures: readonly number[];
}

export async function readOverview(store: Pick<Store, 'orders' | 'inbox'>, now: number): Promise<Overview> {
  const byStatus = (await store.orders.countByStatus()) as Partial<Record<OrderStatus, number>>;
  const stats = await store.inbox.stats();
  const orders = await store.orders.list({ limit: CHART_SAMPLE });
  const recent = await store.inbox.list({ limit: CHART_SAMPLE });
  return {
    orders: Object.values(byStatus).reduce((all, count) => all + (count ?? 0), 0),
    byStatus,
    deadLetters: stats.counts.dead,
    eventsWaiting: stats.counts.pending + stats.counts.processing,
    lagSeconds: stats.oldestPendingAt === null ? 0 : Math.max(0, Math.round((now - stats.oldestPendingAt) / 1000)),
    payments: orders.flatMap((order) => (order.paidAt === null ? [] : [order.paidAt])),
    failures: recent.filter((event) => event.status === 'processed' && FAILED_PAYMENT_TYPES.has(event.type)).map((event) => event.receivedAt),
  };
}
