import { knownPaymentIntent, refundableAmount, refundPending } from '../domain/refund-policy.js';
import type { InboxEvent, OrderRecord, OutboxMessage, RefundRequest, Store, StoredFact } from '../store/types.js';

/** One order as an operator or the buyer's success page reads it: what it is, what can be done, what happened. */
export interface OrderDetail {
  readonly order: OrderRecord;
  readonly facts: readonly StoredFact[];
  /** The PaymentIntent that paid it, as far as settled knows (a Checkout order learns it from Stripe's events). */
  readonly paymentIntentId: string | null;
  /** Minor units an operator may still refund; 0 when its status allows none, or while a refund is on its way. */
  readonly refundable: number;
  /** Refunds asked of Stripe whose charge.refunded has not been processed yet, oldest first. */
  readonly pendingRefunds: readonly RefundRequest[];
  /** Pending, but a delayed payment (a bank debit) is on its way: the buyer is done, the money is not yet. */
  readonly processing: boolean;
  /** The inbox events that reached it (attributed to it, or that taught it a fact), in arrival order. */
  readonly events: readonly InboxEvent[];
  /** The notices queued for the shop's handlers. */
  readonly notices: readonly OutboxMessage[];
}

export type OrderDetailStore = Pick<Store, 'orders' | 'inbox' | 'orderActivity' | 'outbox'>;

/** Whether a delayed payment (a bank debit) is on its way for a pending order: one read of its facts. */
export function paymentProcessing(order: Pick<OrderRecord, 'status'>, facts: readonly StoredFact[]): boolean {
  return order.status === 'pending' && facts.some((stored) => stored.fact.kind === 'payment_processing');
}

/** For a page that needs only that (the success page, which the buyer's browser asks again and again). */
export async function isPaymentProcessing(store: Pick<Store, 'orders'>, order: OrderRecord): Promise<boolean> {
  return order.status === 'pending' && paymentProcessing(order, await store.orders.facts(order.id));
}

/** Reads an order's detail in a handful of queries, whoever shows it (dashboard, CLI, success page). */
export async function readOrderDetail(store: OrderDetailStore, orderId: string): Promise<OrderDetail | undefined> {
  const order = await store.orders.get(orderId);
  if (order === undefined) return undefined;
  const facts = await store.orders.facts(order.id);
  const pendingRefunds = (await store.orderActivity.refundRequests(order.id)).filter((request) => refundPending(order, request));
  const eventIds = new Set([...(await store.orderActivity.inboxEventIds(order.id)), ...facts.map((stored) => stored.eventId)]);
  return {
    order,
    facts,
    paymentIntentId: knownPaymentIntent(order, facts),
    // The next refund waits for Stripe's word on this one: its key is built from the refunded-to-date.
    refundable: pendingRefunds.length > 0 ? 0 : refundableAmount(order),
    pendingRefunds,
    processing: paymentProcessing(order, facts),
    events: await store.inbox.getMany([...eventIds]),
    notices: await store.outbox.list({ orderId: order.id, limit: 100 }),
  };
}
