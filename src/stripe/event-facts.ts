import type Stripe from 'stripe';
import type { Fact, FactDraft, PaymentEvidence } from '../domain/order-facts.js';

export type { FactDraft };

/** Ids found on the Stripe object, from which the worker resolves the order the facts belong to. */
export interface FactHints {
  readonly orderId: string | null;
  readonly checkoutSessionId: string | null;
  readonly paymentIntentId: string | null;
  readonly chargeId: string | null;
}

export type FactMapping =
  | { readonly kind: 'facts'; readonly hints: FactHints; readonly facts: FactDraft[] }
  | { readonly kind: 'ignored'; readonly reason: string };

/** The event types that become facts; the reconciler asks the Events API for exactly these. */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const satisfies readonly Stripe.Event['type'][];

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];
type HandledEvent = Extract<Stripe.Event, { type: HandledEventType }>;

const HANDLED: ReadonlySet<string> = new Set(HANDLED_EVENT_TYPES);

export function isHandledEvent(event: Stripe.Event): event is HandledEvent {
  return HANDLED.has(event.type);
}

/**
 * Reads what a Stripe event says about an order. Fact keys come from the object and what it states,
 * never from the event id, so the same truth learned by webhook, verify or reconciliation is one fact.
 */
export function eventToFacts(event: Stripe.Event): FactMapping {
  if (!isHandledEvent(event)) return { kind: 'ignored', reason: `settled does not act on ${event.type} events` };
  const at = event.created * 1000;
  switch (event.type) {
    case 'checkout.session.completed':
      return sessionCompleted(event.data.object, at);
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      if (session.mode !== 'payment') return notPaymentMode(session);
      return facts(sessionHints(session), [{ kind: 'payment_succeeded', key: `paid:${session.id}`, at, ...sessionEvidence(session) }]);
    }
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      if (session.mode !== 'payment') return notPaymentMode(session);
      const paymentIntentId = idOf(session.payment_intent);
      return facts(sessionHints(session), [{ kind: 'payment_failed', key: `failed:${session.id}`, at, reason: 'the delayed payment failed', paymentIntentId }]);
    }
    case 'checkout.session.expired': {
      const session = event.data.object;
      if (session.mode !== 'payment') return notPaymentMode(session);
      return facts(sessionHints(session), [{ kind: 'session_expired', key: `expired:${session.id}`, at, checkoutSessionId: session.id }]);
    }
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      return facts(intentHints(intent), [{ kind: 'payment_succeeded', key: `paid:${intent.id}`, at, ...intentEvidence(intent) }]);
    }
    case 'payment_intent.payment_failed':
      return intentFailed(event.data.object, at);
    case 'payment_intent.canceled': {
      const intent = event.data.object;
      return facts(intentHints(intent), [{ kind: 'payment_canceled', key: `canceled:${intent.id}`, at, paymentIntentId: intent.id }]);
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      // amount_refunded is cumulative, so the key names the total: a later, larger refund is a new fact.
      return facts(chargeHints(charge), [
        { kind: 'refunded_to_date', key: `refunded:${charge.id}:${charge.amount_refunded}`, at, chargeId: charge.id, amountRefunded: charge.amount_refunded, currency: charge.currency },
      ]);
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      return facts(disputeHints(dispute), [{ kind: 'dispute_opened', key: `dispute_opened:${dispute.id}`, at, disputeId: dispute.id }]);
    }
    case 'charge.dispute.closed':
      return disputeClosed(event.data.object, at);
    default: {
      // The compiler holds this switch and HANDLED_EVENT_TYPES together: a type in one must be in the other.
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** Gives drafts the order the worker resolved for them. */
export function stampFacts(drafts: readonly FactDraft[], orderId: string): Fact[] {
  return drafts.map((draft): Fact => ({ ...draft, orderId }));
}

function sessionCompleted(session: Stripe.Checkout.Session, at: number): FactMapping {
  if (session.mode !== 'payment') return notPaymentMode(session);
  const hints = sessionHints(session);
  if (session.payment_status === 'unpaid') {
    // A delayed method (SEPA, ACH…) completed the session; async_payment_succeeded/_failed will follow.
    return facts(hints, [{ kind: 'payment_processing', key: `processing:${session.id}`, at, ...sessionEvidence(session) }]);
  }
  // 'paid' and 'no_payment_required' are both a success as Stripe sees it. A free session reports
  // amount_total 0, which cannot match an order priced above zero, so validation parks it for review
  // instead of fulfilling something nobody paid for.
  return facts(hints, [{ kind: 'payment_succeeded', key: `paid:${session.id}`, at, ...sessionEvidence(session) }]);
}

function intentFailed(intent: Stripe.PaymentIntent, at: number): FactMapping {
  const error = intent.last_payment_error;
  const reason = [error?.code, error?.decline_code].filter((part) => part !== undefined && part !== null && part !== '').join(': ') || error?.message || 'the payment failed';
  // Each attempt fails on its own charge; keying by it keeps repeated declines as separate facts.
  const attempt = error?.charge ?? String(at);
  return facts(intentHints(intent), [{ kind: 'payment_failed', key: `failed:${intent.id}:${attempt}`, at, reason, paymentIntentId: intent.id }]);
}

const DISPUTE_OUTCOMES = ['won', 'lost', 'warning_closed'] as const;

function disputeClosed(dispute: Stripe.Dispute, at: number): FactMapping {
  const outcome = DISPUTE_OUTCOMES.find((known) => known === dispute.status);
  if (outcome === undefined) {
    return { kind: 'ignored', reason: `dispute ${dispute.id} closed with status ${dispute.status}, which settled does not map to an outcome` };
  }
  return facts(disputeHints(dispute), [{ kind: 'dispute_closed', key: `dispute_closed:${dispute.id}`, at, disputeId: dispute.id, outcome }]);
}

function sessionEvidence(session: Stripe.Checkout.Session): PaymentEvidence {
  return {
    // A payment-mode session always states its total; a missing one must fail validation, not pass as 0 usd.
    amount: session.amount_total ?? -1,
    currency: session.currency ?? 'unknown',
    orderRef: session.metadata?.order_ref ?? null,
    checkoutSessionId: session.id,
    paymentIntentId: idOf(session.payment_intent),
  };
}

function intentEvidence(intent: Stripe.PaymentIntent): PaymentEvidence {
  return { amount: intent.amount, currency: intent.currency, orderRef: intent.metadata.order_ref ?? null, checkoutSessionId: null, paymentIntentId: intent.id };
}

function sessionHints(session: Stripe.Checkout.Session): FactHints {
  return {
    orderId: session.metadata?.order_id ?? session.client_reference_id ?? null,
    checkoutSessionId: session.id,
    paymentIntentId: idOf(session.payment_intent),
    chargeId: null,
  };
}

function intentHints(intent: Stripe.PaymentIntent): FactHints {
  return { orderId: intent.metadata.order_id ?? null, checkoutSessionId: null, paymentIntentId: intent.id, chargeId: idOf(intent.latest_charge) };
}

function chargeHints(charge: Stripe.Charge): FactHints {
  return { orderId: charge.metadata.order_id ?? null, checkoutSessionId: null, paymentIntentId: idOf(charge.payment_intent), chargeId: charge.id };
}

function disputeHints(dispute: Stripe.Dispute): FactHints {
  return { orderId: dispute.metadata?.order_id ?? null, checkoutSessionId: null, paymentIntentId: idOf(dispute.payment_intent), chargeId: idOf(dispute.charge) };
}

function notPaymentMode(session: Stripe.Checkout.Session): FactMapping {
  return { kind: 'ignored', reason: `checkout session ${session.id} is in ${session.mode} mode; settled handles payment mode only` };
}

function facts(hints: FactHints, drafts: FactDraft[]): FactMapping {
  return { kind: 'facts', hints, facts: drafts };
}

/** Stripe fields that hold either an id or the expanded object. */
function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}
