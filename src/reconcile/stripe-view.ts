import type Stripe from 'stripe';
import type { OrderRecord } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { withRateLimitRetry, type RateLimitRetryOptions } from '../stripe/rate-limit.js';

/** What Stripe says about an order's money, reduced to the order statuses it can tell apart. */
export type StripeStatus = 'pending' | 'paid' | 'payment_failed' | 'expired' | 'partially_refunded' | 'refunded';

export interface StripeView {
  readonly status: StripeStatus;
  /** For people: the Stripe objects and fields the status was read from. */
  readonly detail: string;
  readonly amountRefunded: number;
  /** charge.disputed: stays true after a dispute is won, so it says a dispute happened, not that one is open. */
  readonly disputed: boolean;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

async function chargeView(gateway: StripeGateway, chargeId: string, prefix: string, retry: RateLimitRetryOptions | undefined): Promise<StripeView> {
  const charge: Stripe.Charge = await withRateLimitRetry(() => gateway.retrieveCharge(chargeId), retry);
  const detail = `${prefix}, charge ${charge.id} amount_refunded ${charge.amount_refunded}${charge.disputed ? ', disputed' : ''}`;
  const amountRefunded = charge.amount_refunded;
  const disputed = charge.disputed;
  if (amountRefunded > 0 && amountRefunded >= charge.amount) return { status: 'refunded', detail, amountRefunded, disputed };
  if (amountRefunded > 0) return { status: 'partially_refunded', detail, amountRefunded, disputed };
  return { status: 'paid', detail, amountRefunded, disputed };
}

async function intentView(gateway: StripeGateway, intent: Stripe.PaymentIntent, prefix: string, retry: RateLimitRetryOptions | undefined): Promise<StripeView> {
  const detail = `${prefix}payment_intent ${intent.id} ${intent.status}`;
  const chargeId = idOf(intent.latest_charge);
  if (intent.status === 'succeeded' && chargeId !== null) return chargeView(gateway, chargeId, detail, retry);
  if (intent.status === 'succeeded') return { status: 'paid', detail, amountRefunded: 0, disputed: false };
  if (intent.status === 'canceled') return { status: 'expired', detail, amountRefunded: 0, disputed: false };
  if (intent.status === 'requires_payment_method' && intent.last_payment_error) return { status: 'payment_failed', detail, amountRefunded: 0, disputed: false };
  return { status: 'pending', detail, amountRefunded: 0, disputed: false };
}

/** Reads the order's session (or payment intent) and its charge; undefined for an order with no Stripe object. */
export async function readStripeView(gateway: StripeGateway, order: OrderRecord, retry?: RateLimitRetryOptions): Promise<StripeView | undefined> {
  if (order.checkoutSessionId !== null) {
    const session = await withRateLimitRetry(() => gateway.retrieveCheckoutSession(order.checkoutSessionId as string), retry);
    const prefix = `session ${session.id} ${session.status}/${session.payment_status}`;
    if (session.status === 'expired') return { status: 'expired', detail: prefix, amountRefunded: 0, disputed: false };
    if (session.status === 'open') return { status: 'pending', detail: prefix, amountRefunded: 0, disputed: false };
    const intent = session.payment_intent;
    if (intent !== null && typeof intent === 'object') return intentView(gateway, intent, `${prefix}, `, retry);
    return { status: session.payment_status === 'unpaid' ? 'pending' : 'paid', detail: prefix, amountRefunded: 0, disputed: false };
  }
  if (order.paymentIntentId !== null) {
    const intent = await withRateLimitRetry(() => gateway.retrievePaymentIntent(order.paymentIntentId as string), retry);
    return intentView(gateway, intent, '', retry);
  }
  return undefined;
}

export interface Drift {
  readonly orderId: string;
  readonly here: { readonly status: string; readonly amountRefunded: number };
  readonly stripe: StripeView;
}

/**
 * Whether the order's state here disagrees with Stripe's. needs_review is settled's own refusal to trust a
 * payment, so it is reported elsewhere, not as drift. A disputed order needs a disputed charge; a paid one may
 * have a disputed charge, since a won dispute leaves charge.disputed true.
 */
export function driftOf(order: OrderRecord, view: StripeView): Drift | undefined {
  if (order.status === 'needs_review') return undefined;
  const disputedHere = order.status === 'disputed' || order.status === 'dispute_lost';
  const agrees = disputedHere ? view.disputed : order.status === view.status;
  if (agrees && order.amountRefunded === view.amountRefunded) return undefined;
  return { orderId: order.id, here: { status: order.status, amountRefunded: order.amountRefunded }, stripe: view };
}
