import { randomToken } from '../random-token.js';
import type { OrderTerms } from '../domain/order.js';
import { computeOrderRef } from '../domain/order-ref.js';
import type { PricedOrder } from '../domain/catalog.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { Store } from '../store/types.js';
import type { PriceSource } from './price-sources.js';

/**
 * What an order is made of: a buyer's skus and quantities, priced by the configured source; or lines a trusted
 * caller priced itself (the shop's backend through the sidecar API), already checked by domain/order-lines.
 */
export type CheckoutRequest = (
  | { readonly items: readonly { readonly sku: string; readonly quantity: number }[] }
  | { readonly priced: Extract<PricedOrder, { kind: 'priced' }> }
) & { readonly email?: string | undefined; readonly returnUrls?: ReturnUrls | undefined };

/**
 * Where a hosted Checkout sends the buyer back, when a trusted caller (the shop's backend) chooses: absolute
 * http(s) URLs, `{CHECKOUT_SESSION_ID}` left for Stripe to fill in. Either one absent: settled's own page.
 */
export interface ReturnUrls {
  readonly successUrl?: string | undefined;
  readonly cancelUrl?: string | undefined;
}

export type CheckoutRefusal = { readonly kind: 'rejected'; readonly code: string; readonly message: string };

export interface CheckoutDeps {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly prices: PriceSource;
  readonly orderRefSecret: string;
  /** Read per request: the public address may only be known once the server listens. */
  readonly publicUrl: () => string;
  readonly now: () => number;
}

export type CheckoutStarted =
  | { readonly kind: 'created'; readonly flow: 'checkout_session'; readonly orderId: string; readonly sessionId: string; readonly checkoutUrl: string }
  | { readonly kind: 'created'; readonly flow: 'payment_intent'; readonly orderId: string; readonly paymentIntentId: string; readonly clientSecret: string };

/** Milliseconds since 1970 in base 36, nine digits wide: enough until the year 5188, and ordered as text. */
const CREATED_DIGITS = 9;

/**
 * `ord_`, when the order was made (base-36 milliseconds, nine digits), then 128 random bits (22 base64url
 * characters): an order id cannot be guessed or enumerated, and ids sort by when they were made.
 *
 * The time comes first for the database's sake. Orders are mostly paid soon after they are made, and a payment
 * rewrites rows keyed by its order id (the order, its facts, its fulfillment, its notices and their indexes):
 * with ids in order, a worker's batch of payments lands on a few neighbouring pages of each index, not on a page
 * apiece. Draining 8,000 paid orders on SQLite wrote 9 KB per event with such ids against 15 KB with random ones,
 * and its commits took a quarter less time (see docs/decisions/012-order-ids-in-time-order.md). What the id tells
 * is when the order was made, to the millisecond, which its page shows anyway.
 */
export function newOrderId(createdAt: number): string {
  return `ord_${Math.max(0, Math.floor(createdAt)).toString(36).padStart(CREATED_DIGITS, '0')}${randomToken(16)}`;
}

/** An order id as newOrderId makes it, or as it made it before ids began with their time (22 characters). */
export const ORDER_ID = /^ord_(?:[0-9a-z]{9})?[A-Za-z0-9_-]{22}$/;

function priceOf(deps: CheckoutDeps, request: CheckoutRequest): Promise<PricedOrder> {
  // Prices, names and currency come from the server (its source, or its own backend), never from a buyer.
  if ('priced' in request) return Promise.resolve(request.priced);
  return deps.prices.price({ items: request.items });
}

async function createPendingOrder(deps: CheckoutDeps, request: CheckoutRequest, flow: OrderTerms['flow']): Promise<OrderTerms | CheckoutRefusal> {
  const priced = await priceOf(deps, request);
  if (priced.kind === 'rejected') return priced;
  const createdAt = deps.now();
  const id = newOrderId(createdAt);
  const terms: OrderTerms = {
    id,
    lines: priced.lines,
    total: priced.total,
    orderRef: computeOrderRef(deps.orderRefSecret, id, priced.total),
    email: request.email ?? null,
    flow,
    checkoutSessionId: null,
    paymentIntentId: null,
    createdAt,
  };
  await deps.store.orders.create(terms);
  return terms;
}

/**
 * A buyer's checkout, however it is asked for (the buyer API, an adapter, the shop's backend): price the order on
 * the server, record it pending, then create its one Stripe object — a Checkout Session or a PaymentIntent.
 */
export async function startCheckout(deps: CheckoutDeps, request: CheckoutRequest, flow: OrderTerms['flow']): Promise<CheckoutStarted | CheckoutRefusal> {
  const { successUrl, cancelUrl } = request.returnUrls ?? {};
  if (flow === 'payment_intent' && (successUrl !== undefined || cancelUrl !== undefined)) {
    // Refused rather than dropped: a shop that sent them expects the buyer to land there, and nothing would send them.
    return {
      kind: 'rejected',
      code: 'return_urls_need_checkout_session',
      message: 'successUrl and cancelUrl apply only to a hosted Checkout Session (mode "checkout_session"); a PaymentIntent is paid on your own page, which decides where the buyer goes. Remove them, or use mode "checkout_session".',
    };
  }
  const order = await createPendingOrder(deps, request, flow);
  if ('kind' in order) return order;
  if (flow === 'payment_intent') {
    const intent = await deps.gateway.createPaymentIntent(order);
    await deps.store.orders.attachPaymentIntent(order.id, intent.id);
    return { kind: 'created', flow, orderId: order.id, paymentIntentId: intent.id, clientSecret: intent.clientSecret };
  }
  const session = await deps.gateway.createCheckoutSession({
    order,
    successUrl: successUrl ?? `${deps.publicUrl()}/success?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: cancelUrl ?? `${deps.publicUrl()}/cancel?order_id=${order.id}`,
  });
  await deps.store.orders.attachCheckoutSession(order.id, session.id);
  return { kind: 'created', flow, orderId: order.id, sessionId: session.id, checkoutUrl: session.url };
}
