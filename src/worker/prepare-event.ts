import type Stripe from 'stripe';
import { eventToFacts, stampFacts, type FactMapping } from '../stripe/event-facts.js';
import type { BatchItem, InboxEvent, Store } from '../store/types.js';
import { operatorEventToFacts } from './operator-events.js';
import { resolveOrder, type OrderLookupGateway } from './resolve-order.js';

export type Revalidation = { readonly kind: 'current'; readonly event: Stripe.Event } | { readonly kind: 'ignored'; readonly reason: string };

export interface Preparation {
  readonly store: Store;
  readonly gateway: OrderLookupGateway;
  readonly revalidate?: ((event: Stripe.Event) => Promise<Revalidation>) | undefined;
  readonly newAccessToken: () => string;
  readonly now: () => number;
}

/**
 * Everything about an event that happens before its batch is written: its facts (re-read from Stripe in revalidation
 * mode), and the order they are about (which may take a Stripe lookup). Reads only; throws what went wrong.
 *
 * With `trustOrderHint`, an event that names its order (our metadata) is taken to be about that order without
 * reading it first: the batch reads every order anyway, and answers OrderNotFoundError if there is none, after which
 * the event is prepared again without trust (resolveOrder then looks for it by its Stripe ids). That saves a query
 * per event.
 */
export async function prepareEvent(event: InboxEvent, preparation: Preparation, trustOrderHint = false): Promise<Exclude<BatchItem, { kind: 'fail' }>> {
  const mapping = operatorEventToFacts(event) ?? (await stripeEventFacts(event, preparation));
  if (mapping.kind === 'ignored') return { kind: 'ignore', eventId: event.id, outcome: `ignored: ${mapping.reason}`, now: preparation.now() };
  const orderId = trustOrderHint && mapping.hints.orderId ? mapping.hints.orderId : (await resolveOrder(preparation.store, preparation.gateway, mapping.hints))?.id;
  if (!orderId) return { kind: 'ignore', eventId: event.id, outcome: 'ignored: no order of this shop matches the event', now: preparation.now() };
  return {
    kind: 'apply',
    eventId: event.id,
    orderId,
    facts: stampFacts(mapping.facts, orderId),
    newAccessToken: preparation.newAccessToken(),
    now: preparation.now(),
  };
}

/** An operator's decision is ours, not Stripe's, so only Stripe's events are revalidated. */
async function stripeEventFacts(event: InboxEvent, { revalidate }: Preparation): Promise<FactMapping> {
  const received = JSON.parse(event.payload) as Stripe.Event;
  const checked = revalidate ? await revalidate(received) : { kind: 'current' as const, event: received };
  if (checked.kind === 'ignored') return { kind: 'ignored', reason: checked.reason };
  return eventToFacts(checked.event);
}
