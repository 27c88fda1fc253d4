import type Stripe from 'stripe';
import type { FactMapping } from '../stripe/event-facts.js';
import type { OrderRecord, Store } from '../store/types.js';

type Hints = Extract<FactMapping, { kind: 'facts' }>['hints'];

export interface OrderLookupGateway {
  retrievePaymentIntent(id: string): Promise<Stripe.PaymentIntent>;
  retrieveCharge(id: string): Promise<Stripe.Charge>;
}

function orderIdFromMetadata(metadata: Stripe.Metadata | null | undefined): string | null {
  const id = metadata?.['order_id'];
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/**
 * Finds the order an event is about. Charges and disputes carry no order metadata and may arrive before
 * the payment that would link them, so their payment intent is read from Stripe to find the order.
 */
export async function resolveOrder(store: Store, gateway: OrderLookupGateway, hints: Hints): Promise<OrderRecord | undefined> {
  if (hints.orderId) {
    const order = await store.orders.get(hints.orderId);
    if (order) return order;
  }
  if (hints.checkoutSessionId) {
    const order = await store.orders.findByCheckoutSession(hints.checkoutSessionId);
    if (order) return order;
  }
  let paymentIntentId = hints.paymentIntentId;
  if (!paymentIntentId && hints.chargeId) {
    const charge = await gateway.retrieveCharge(hints.chargeId);
    const fromCharge = orderIdFromMetadata(charge.metadata);
    if (fromCharge) {
      const order = await store.orders.get(fromCharge);
      if (order) return order;
    }
    paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null);
  }
  if (!paymentIntentId) return undefined;
  const byIntent = await store.orders.findByPaymentIntent(paymentIntentId);
  if (byIntent) return byIntent;
  const intent = await gateway.retrievePaymentIntent(paymentIntentId);
  const fromIntent = orderIdFromMetadata(intent.metadata);
  return fromIntent ? store.orders.get(fromIntent) : undefined;
}
