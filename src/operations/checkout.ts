import { randomBytes } from 'node:crypto';
import { priceOrder, type Catalog, type PricedOrder } from '../domain/catalog.js';
import type { OrderTerms } from '../domain/order.js';
import { computeOrderRef } from '../domain/order-ref.js';
import type { StripeGateway } from '../stripe/gateway.js';
import type { Store } from '../store/types.js';

export interface CheckoutRequest {
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
  readonly email?: string | undefined;
}

/** An order whose lines the shop's backend priced itself (the sidecar API), already checked by domain/order-lines. */
export interface PricedCheckoutRequest {
  readonly priced: Extract<PricedOrder, { kind: 'priced' }>;
  readonly email?: string | undefined;
}

export type CheckoutRefusal = { readonly kind: 'rejected'; readonly code: string; readonly message: string };

export interface CheckoutDeps {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly catalog: Catalog;
  readonly orderRefSecret: string;
  /** Read per request: the public address may only be known once the server listens. */
  readonly publicUrl: () => string;
  readonly now: () => number;
}

/** 128 random bits: an order id cannot be guessed or enumerated. */
export function newOrderId(): string {
  return `ord_${randomBytes(16).toString('base64url')}`;
}

async function createPendingOrder(
  deps: CheckoutDeps,
  request: CheckoutRequest | PricedCheckoutRequest,
  flow: OrderTerms['flow'],
): Promise<OrderTerms | CheckoutRefusal> {
  // Prices, names and currency come only from the server: its catalog, or the shop's backend; never from a buyer.
  const priced = 'priced' in request ? request.priced : priceOrder(deps.catalog, { items: request.items });
  if (priced.kind === 'rejected') return priced;
  const id = newOrderId();
  const terms: OrderTerms = {
    id,
    lines: priced.lines,
    total: priced.total,
    orderRef: computeOrderRef(deps.orderRefSecret, id, priced.total),
    email: request.email ?? null,
    flow,
    checkoutSessionId: null,
    paymentIntentId: null,
    createdAt: deps.now(),
  };
  await deps.store.orders.create(terms);
  return terms;
}

export async function startCheckoutSession(
  deps: CheckoutDeps,
  request: CheckoutRequest | PricedCheckoutRequest,
): Promise<{ kind: 'created'; orderId: string; sessionId: string; checkoutUrl: string } | CheckoutRefusal> {
  const order = await createPendingOrder(deps, request, 'checkout_session');
  if ('kind' in order) return order;
  const session = await deps.gateway.createCheckoutSession({
    order,
    successUrl: `${deps.publicUrl()}/success?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: `${deps.publicUrl()}/cancel?order_id=${order.id}`,
  });
  await deps.store.orders.attachCheckoutSession(order.id, session.id);
  return { kind: 'created', orderId: order.id, sessionId: session.id, checkoutUrl: session.url };
}

export async function startPaymentIntent(
  deps: CheckoutDeps,
  request: CheckoutRequest | PricedCheckoutRequest,
): Promise<{ kind: 'created'; orderId: string; paymentIntentId: string; clientSecret: string } | CheckoutRefusal> {
  const order = await createPendingOrder(deps, request, 'payment_intent');
  if ('kind' in order) return order;
  const intent = await deps.gateway.createPaymentIntent(order);
  await deps.store.orders.attachPaymentIntent(order.id, intent.id);
  return { kind: 'created', orderId: order.id, paymentIntentId: intent.id, clientSecret: intent.clientSecret };
}
