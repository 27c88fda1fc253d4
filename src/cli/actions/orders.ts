import { readOrderDetail, type OrderDetail } from '../../operations/order-detail.js';
import { formatTime, OperatorError, oneLine, withOperatorContext } from './operator.js';

function money(amount: number, currency: string): string {
  return `${amount} ${currency}`;
}

interface TimelineEntry {
  readonly at: number;
  readonly text: string;
}

/** What happened to the order, oldest first: the events that reached it and the facts they taught it. */
function timeline(detail: OrderDetail): TimelineEntry[] {
  const { order } = detail;
  const entries: TimelineEntry[] = [{ at: order.createdAt, text: `order created (${order.flow}, ${money(order.total.amount, order.total.currency)})` }];
  for (const event of detail.events) {
    entries.push({ at: event.receivedAt, text: `event ${event.id} ${event.type} via ${event.source}: ${event.status}${event.outcome ? ` (${event.outcome})` : ''}` });
  }
  for (const stored of detail.facts) entries.push({ at: stored.recordedAt, text: `fact ${stored.fact.kind} [${stored.fact.key}] from ${stored.eventId}` });
  if (order.fulfilledAt !== null) entries.push({ at: order.fulfilledAt, text: 'fulfilled (access granted)' });
  for (const message of detail.notices) {
    entries.push({ at: message.createdAt, text: `notice ${message.kind}: ${message.status}${message.lastError ? ` (${oneLine(message.lastError, 60)})` : ''}` });
  }
  return entries.sort((a, b) => a.at - b.at);
}

export interface OrdersListOptions {
  readonly status?: string;
  readonly search?: string;
  readonly limit: number;
}

export async function listOrders(options: OrdersListOptions): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'orders list' }, async ({ store }) => {
    const orders = await store.orders.list({ limit: options.limit, ...(options.status ? { status: options.status } : {}), ...(options.search ? { search: options.search } : {}) });
    if (orders.length === 0) {
      console.log('no orders match');
      return;
    }
    for (const order of orders) {
      console.log(`${order.id}  ${order.status.padEnd(18)}  ${money(order.total.amount, order.total.currency).padEnd(10)}  ${formatTime(order.createdAt)}  ${order.email ?? '-'}`);
    }
  });
}

export async function showOrder(orderId: string): Promise<void> {
  await withOperatorContext({ stripe: 'none', command: 'orders show' }, async ({ store }) => {
    const detail = await readOrderDetail(store, orderId);
    if (detail === undefined) throw new OperatorError(`no order ${orderId}; \`settled orders list --search <text>\` finds orders by id, email or Stripe id.`);
    const { order } = detail;
    console.log(`order ${order.id}`);
    console.log(`  status        ${order.status}${order.reviewReason ? ` — ${order.reviewReason}` : ''}`);
    console.log(`  total         ${money(order.total.amount, order.total.currency)}; refunded ${money(order.amountRefunded, order.total.currency)}`);
    for (const line of order.lines) console.log(`  line          ${line.quantity} × ${line.name} (${line.sku}) at ${money(line.unitAmount, line.currency)}`);
    console.log(`  email         ${order.email ?? '-'}`);
    console.log(`  stripe        session ${order.checkoutSessionId ?? '-'}, payment intent ${detail.paymentIntentId ?? '-'}`);
    console.log(`  entitlement   ${order.entitlement}; fulfilled ${formatTime(order.fulfilledAt)}`);
    console.log('timeline');
    for (const entry of timeline(detail)) console.log(`  ${formatTime(entry.at)}  ${entry.text}`);
  });
}
