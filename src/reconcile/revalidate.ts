import type Stripe from 'stripe';
import { isHandledEvent, revalidationRule, type EventObject } from '../stripe/event-facts.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { observedEvent } from '../stripe/observed-event.js';
import { withRateLimitRetry, type RateLimitRetryOptions } from '../stripe/rate-limit.js';
import type { Revalidation } from '../worker/inbox-worker.js';

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
}

async function retrieve(gateway: StripeGateway, reads: EventObject['object'], object: { id?: unknown }): Promise<EventObject | undefined> {
  if (typeof object.id !== 'string') return undefined;
  const id = object.id;
  switch (reads) {
    case 'checkout.session':
      return gateway.retrieveCheckoutSession(id);
    case 'payment_intent':
      return gateway.retrievePaymentIntent(id);
    case 'charge':
      return gateway.retrieveCharge(id);
    case 'dispute':
      return gateway.retrieveDispute(id);
  }
}

function withObject(event: Stripe.Event, fresh: EventObject): Stripe.Event {
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
    const delivered = event.data.object as { id?: unknown };
    const rule = revalidationRule(event.type);
    let fresh: EventObject | undefined;
    try {
      fresh = await withRateLimitRetry(() => retrieve(gateway, rule.reads, delivered), options.retry);
    } catch (error) {
      if (isNotFound(error)) return { kind: 'ignored', reason: `revalidation: Stripe does not know ${String(delivered.id)}` };
      throw error;
    }
    if (fresh === undefined) return { kind: 'ignored', reason: `revalidation: ${event.type} carries no object settled can re-read` };
    if (rule.stillTrue(fresh)) return { kind: 'current', event: withObject(event, fresh) };
    if (fresh.object === 'checkout.session' || fresh.object === 'payment_intent') {
      const current = observedEvent(fresh, options.now());
      if (current !== null) return { kind: 'current', event: JSON.parse(current.body) as Stripe.Event };
    }
    return { kind: 'ignored', reason: `revalidation: Stripe no longer says ${event.type} of ${fresh.id}` };
  };
}
