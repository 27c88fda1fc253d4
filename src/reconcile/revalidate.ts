import type Stripe from 'stripe';
import { isHandledEvent } from '../stripe/event-facts.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { observedEvent } from '../stripe/observed-event.js';
import { withRateLimitRetry, type RateLimitRetryOptions } from '../stripe/rate-limit.js';
import type { Revalidation } from '../worker/inbox-worker.js';

const CLOSED_DISPUTE = new Set(['won', 'lost', 'warning_closed']);

type Fresh = Stripe.Checkout.Session | Stripe.PaymentIntent | Stripe.Charge | Stripe.Dispute;

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}

function intentOf(session: Stripe.Checkout.Session): Stripe.PaymentIntent | null {
  return session.payment_intent !== null && typeof session.payment_intent === 'object' ? session.payment_intent : null;
}

/** Whether the object as Stripe has it now still says what the event type claims. */
function stillTrue(type: string, fresh: Fresh): boolean {
  switch (type) {
    case 'checkout.session.completed':
      return fresh.object === 'checkout.session' && fresh.status === 'complete';
    case 'checkout.session.async_payment_succeeded':
      return fresh.object === 'checkout.session' && fresh.status === 'complete' && fresh.payment_status === 'paid';
    case 'checkout.session.async_payment_failed': {
      if (fresh.object !== 'checkout.session' || fresh.status !== 'complete' || fresh.payment_status !== 'unpaid') return false;
      const intent = intentOf(fresh);
      // complete/unpaid is also a debit still in flight; only the intent tells the failure apart.
      return intent !== null && intent.status !== 'processing' && intent.status !== 'succeeded';
    }
    case 'checkout.session.expired':
      return fresh.object === 'checkout.session' && fresh.status === 'expired';
    case 'payment_intent.succeeded':
      return fresh.object === 'payment_intent' && fresh.status === 'succeeded';
    case 'payment_intent.payment_failed':
      return fresh.object === 'payment_intent' && fresh.last_payment_error !== null && fresh.status !== 'succeeded';
    case 'payment_intent.canceled':
      return fresh.object === 'payment_intent' && fresh.status === 'canceled';
    case 'charge.refunded':
      return fresh.object === 'charge' && fresh.amount_refunded > 0;
    case 'charge.dispute.created':
      return fresh.object === 'dispute';
    case 'charge.dispute.closed':
      return fresh.object === 'dispute' && CLOSED_DISPUTE.has(fresh.status);
    default:
      return false;
  }
}

async function retrieve(gateway: StripeGateway, object: { object?: unknown; id?: unknown }): Promise<Fresh | undefined> {
  if (typeof object.id !== 'string') return undefined;
  const id = object.id;
  switch (object.object) {
    case 'checkout.session':
      return gateway.retrieveCheckoutSession(id);
    case 'payment_intent':
      return gateway.retrievePaymentIntent(id);
    case 'charge':
      return gateway.retrieveCharge(id);
    case 'dispute':
      return gateway.retrieveDispute(id);
    default:
      return undefined;
  }
}

function withObject(event: Stripe.Event, fresh: Fresh): Stripe.Event {
  // Round-tripped through JSON, as the inbox does with every event, so the union of event shapes stays out of the type checker's way.
  const copy = JSON.parse(JSON.stringify(event)) as { data: { object: unknown } };
  copy.data.object = fresh;
  return copy as unknown as Stripe.Event;
}

/**
 * Revalidation mode (STRIPE_REVALIDATE): before an event's facts are applied, its object is read again from
 * Stripe and the fresh copy replaces the delivered one, so that only Stripe's current word counts. A session or
 * intent that has moved on is applied as its current state; a claim Stripe no longer backs is ignored.
 */
export function createRevalidator(gateway: StripeGateway, options: { now: () => number; retry?: RateLimitRetryOptions }) {
  return async function revalidate(event: Stripe.Event): Promise<Revalidation> {
    if (!isHandledEvent(event)) return { kind: 'current', event };
    const delivered = event.data.object as { object?: unknown; id?: unknown };
    let fresh: Fresh | undefined;
    try {
      fresh = await withRateLimitRetry(() => retrieve(gateway, delivered), options.retry);
    } catch (error) {
      if (isNotFound(error)) return { kind: 'ignored', reason: `revalidation: Stripe does not know ${String(delivered.id)}` };
      throw error;
    }
    if (fresh === undefined) return { kind: 'ignored', reason: `revalidation: ${event.type} carries no object settled can re-read` };
    if (stillTrue(event.type, fresh)) return { kind: 'current', event: withObject(event, fresh) };
    if (fresh.object === 'checkout.session' || fresh.object === 'payment_intent') {
      const current = observedEvent(fresh, options.now());
      if (current !== null) return { kind: 'current', event: JSON.parse(current.body) as Stripe.Event };
    }
    return { kind: 'ignored', reason: `revalidation: Stripe no longer says ${event.type} of ${fresh.id}` };
  };
}
