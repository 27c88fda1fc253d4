import type Stripe from 'stripe';

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
