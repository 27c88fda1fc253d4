import { readOrderDetail } from '../../operations/order-detail.js';
import { orderTimeline, type TimelineEntry } from '../../operations/order-timeline.js';
import { findOrders, type OrderQuery } from '../../operations/orders.js';
import { approveReview } from '../../operations/review.js';
import { formatTime, OperatorError, oneLine, processAndReport, withOperatorContext } from './operator.js';

function money(amount: number, currency: string): string {
  return `${amount} ${currency}`;
}

function describe(entry: TimelineEntry, flow: string, total: { amount: number; currency: string }): string {
  switch (entry.kind) {
    case 'created':
      return `order created (${flow}, ${money(total.amount, total.currency)})`;
    case 'event': {
      const { event } = entry;
      return `event ${event.id} ${event.type} via ${event.source}: ${event.status}${event.outcome ? ` (${event.outcome})` : ''}`;
    }
    case 'fact':
      return `fact ${entry.fact.fact.kind} [${entry.fact.fact.key}] from ${entry.fact.eventId}`;
    case 'fulfilled':
      return 'fulfilled (access granted)';
    case 'notice':
      return `notice ${entry.notice.kind}: ${entry.notice.status}${entry.notice.lastError ? ` (${oneLine(entry.notice.lastError, 60)})` : ''}`;
  }
}

export type OrdersListOptions = OrderQuery;

export async function listOrders(options: OrdersListOptions): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'orders list' }, async ({ store }) => {
    const { orders } = await findOrders(store, options);
    if (orders.length === 0) {
      console.log('no orders match');
      return;
    }
    for (const order of orders) {
      console.log(`${order.id}  ${order.status.padEnd(18)}  ${money(order.total.amount, order.total.currency).padEnd(10)}  ${formatTime(order.createdAt)}  ${order.email ?? '-'}`);
    }
  });
}

const FIND_ORDERS = '`settled orders list --search <text>` finds orders by id, email or Stripe id.';

export async function approveOrder(orderId: string, options: { readonly note?: string }): Promise<void> {
  await withOperatorContext({ stripe: 'if-configured', command: 'orders approve' }, async (context) => {
    // This process's worker (or a running serve) applies it: nothing to wake here.
    const outcome = await approveReview({ store: context.store, now: Date.now, notifyWorker: () => undefined }, { orderId, operator: 'cli', note: options.note });
    if (outcome.kind === 'refused') {
      throw new OperatorError(outcome.code === 'order_not_found' ? `no order ${orderId}; ${FIND_ORDERS}` : `${outcome.message} Only an order in needs_review can be approved.`);
    }
    console.log(`approval of ${orderId} queued (${outcome.eventId})`);
    await processAndReport(context, [outcome.eventId]);
  });
}

export async function showOrder(orderId: string): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'orders show' }, async ({ store }) => {
    const detail = await readOrderDetail(store, orderId);
    if (detail === undefined) throw new OperatorError(`no order ${orderId}; ${FIND_ORDERS}`);
    const { order } = detail;
    console.log(`order ${order.id}`);
    console.log(`  status        ${order.status}${order.reviewReason ? ` — ${order.reviewReason}` : ''}`);
    console.log(`  total         ${money(order.total.amount, order.total.currency)}; refunded ${money(order.amountRefunded, order.total.currency)}`);
    for (const line of order.lines) console.log(`  line          ${line.quantity} × ${line.name} (${line.sku}) at ${money(line.unitAmount, line.currency)}`);
    console.log(`  email         ${order.email ?? '-'}`);
    console.log(`  stripe        session ${order.checkoutSessionId ?? '-'}, payment intent ${detail.paymentIntentId ?? '-'}`);
    console.log(`  entitlement   ${order.entitlement}; fulfilled ${formatTime(order.fulfilledAt)}`);
    for (const refund of detail.pendingRefunds) {
      console.log(`  refund        ${money(refund.amount, refund.currency)} requested ${formatTime(refund.requestedAt)}, waiting for Stripe (${refund.refundId})`);
    }
    console.log('timeline');
    for (const entry of orderTimeline(detail)) console.log(`  ${formatTime(entry.at)}  ${describe(entry, order.flow, order.total)}`);
  });
}
