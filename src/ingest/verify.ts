import type Stripe from 'stripe';
import type { StripeGateway } from '../stripe/gateway.js';
import type { OrderRecord, Store } from '../store/types.js';
import type { GroupCommitter } from './group-commit.js';

export type VerifyTarget = { readonly sessionId: string } | { readonly paymentIntentId: string };

export type VerifyResult =
  | { readonly kind: 'unknown'; readonly message: string }
  | { readonly kind: 'checked'; readonly order: OrderRecord; readonly settled: boolean };

export interface VerifyDeps {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly committer: GroupCommitter;
  readonly now: () => number;
  /** Wakes the worker; the answer waits for it to process the event, up to `waitMs`. */
  readonly notifyWorker: () => void;
  readonly waitMs?: number;
}

function sessionEventType(session: Stripe.Checkout.Session): string | null {
  if (session.status === 'complete') return 'checkout.session.completed';
  if (session.status === 'expired') return 'checkout.session.expired';
  return null;
}

function intentEventType(intent: Stripe.PaymentIntent): string | null {
  if (intent.status === 'succeeded') return 'payment_intent.succeeded';
  if (intent.status === 'canceled') return 'payment_intent.canceled';
  if (intent.status === 'requires_payment_method' && intent.last_payment_error) return 'payment_intent.payment_failed';
  return null;
}

/**
 * What Stripe says about an object right now, dressed as the event Stripe would have sent, so that the
 * success page's check goes through the same inbox, facts and reducer as a webhook. The id is derived
 * from the object's state: asking twice about the same state stores it once.
 */
function syntheticEvent(object: Stripe.Checkout.Session | Stripe.PaymentIntent, type: string, nowMs: number): { id: string; body: string } {
  const state = object.object === 'checkout.session' ? `${object.status}_${object.payment_status}` : object.status;
  const id = `sync_${object.id}_${state}`;
  const event = {
    id,
    object: 'event',
    api_version: null,
    created: Math.floor(nowMs / 1000),
    data: { object },
    livemode: object.livemode,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  };
  return { id, body: JSON.stringify(event) };
}

export interface ObservedEvent {
  readonly id: string;
  readonly type: string;
  readonly body: string;
}

/**
 * The event Stripe would have sent for a session's or payment intent's current state, or null while it is
 * still undecided (open session, intent awaiting payment). Shared by verify, the reconciler's sweep and revalidation.
 */
export function observedEvent(object: Stripe.Checkout.Session | Stripe.PaymentIntent, nowMs: number): ObservedEvent | null {
  const type = object.object === 'checkout.session' ? sessionEventType(object) : intentEventType(object);
  if (type === null) return null;
  return { type, ...syntheticEvent(object, type, nowMs) };
}

const FINISHED = new Set(['processed', 'ignored', 'dead']);

async function waitUntilProcessed(store: Store, eventId: string, deadline: number, now: () => number): Promise<void> {
  for (;;) {
    const row = await store.inbox.get(eventId);
    if (!row || FINISHED.has(row.status) || now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fulfill-on-landing: ask Stripe about an order's session or payment intent and feed the answer in. */
export async function verifyPayment(deps: VerifyDeps, target: VerifyTarget): Promise<VerifyResult> {
  const { store, gateway } = deps;
  // Only objects this shop created are looked up: the public cannot make us query Stripe for arbitrary ids.
  const order =
    'sessionId' in target
      ? await store.orders.findByCheckoutSession(target.sessionId)
      : await store.orders.findByPaymentIntent(target.paymentIntentId);
  if (!order) return { kind: 'unknown', message: 'No order of this shop was paid through that Stripe object.' };

  const object = 'sessionId' in target ? await gateway.retrieveCheckoutSession(target.sessionId) : await gateway.retrievePaymentIntent(target.paymentIntentId);
  const now = deps.now();
  const event = observedEvent(object, now);
  if (event !== null) {
    const { inserted } = await deps.committer.add({ id: event.id, type: event.type, payload: event.body, source: 'verify', receivedAt: now });
    if (inserted) deps.notifyWorker();
    await waitUntilProcessed(store, event.id, now + (deps.waitMs ?? 5_000), deps.now);
  }
  const current = (await store.orders.get(order.id)) ?? order;
  return { kind: 'checked', order: current, settled: current.status === 'paid' || current.status === 'partially_refunded' };
}
