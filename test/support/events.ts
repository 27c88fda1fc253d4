import type { OrderTerms } from '../../src/domain/order.js';
import { computeOrderRef } from '../../src/domain/order-ref.js';
import type { NewInboxEvent } from '../../src/store/index.js';

/** A Stripe event envelope around `object`, as the worker reads it from the inbox. */
export function inboxEvent(id: string, type: string, object: Record<string, unknown>, createdSeconds = 1_800_000_000): NewInboxEvent {
  const payload = JSON.stringify({ id, object: 'event', type, created: createdSeconds, livemode: false, data: { object } });
  return { id, type, payload, source: 'webhook', receivedAt: createdSeconds * 1000 };
}

/** The checkout session Stripe would send for `order`, with anything overridden. */
export function sessionFor(order: OrderTerms, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: order.checkoutSessionId ?? 'cs_test_missing',
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_total: order.total.amount,
    currency: order.total.currency,
    client_reference_id: order.id,
    metadata: { order_id: order.id, order_ref: order.orderRef },
    payment_intent: 'pi_for_' + order.id.slice(4, 12),
    ...overrides,
  };
}

/** A pending one-line order of Field Notes (31.00 usd), with its order_ref signed by `refSecret`. */
export function fieldNotesOrder(id: string, options: { refSecret: string; checkoutSessionId: string | null; createdAt: number }): OrderTerms {
  const total = { amount: 3100, currency: 'usd' };
  return {
    id,
    lines: [{ sku: 'field-notes', name: 'Field Notes', quantity: 1, unitAmount: 3100, currency: 'usd' }],
    total,
    orderRef: computeOrderRef(options.refSecret, id, total),
    email: null,
    flow: 'checkout_session',
    checkoutSessionId: options.checkoutSessionId,
    paymentIntentId: null,
    createdAt: options.createdAt,
  };
}
