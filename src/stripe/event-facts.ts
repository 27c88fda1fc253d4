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

/** The Stripe objects settled's events are about, as revalidation reads them again. */
export type EventObject = Stripe.Checkout.Session | Stripe.PaymentIntent | Stripe.Charge | Stripe.Dispute;

type ObjectOf<T extends HandledEventType> = Extract<HandledEvent, { type: T }>['data']['object'];

/** Everything settled knows about one event type, in one place. */
interface EventRule<T extends HandledEventType> {
  /** What the event says about its order, as facts (or why it says nothing settled acts on). */
  readonly facts: (object: ObjectOf<T>, at: number) => FactMapping;
  /** The object revalidation reads again from Stripe. */
  readonly reads: EventObject['object'];
  /** Whether that object, as Stripe has it now, still says what the event claims. */
  readonly stillTrue: (fresh: EventObject) => boolean;
}

const CLOSED_DISPUTE: ReadonlySet<string> = new Set(['won', 'lost', 'warning_closed']);

function intentOf(session: Stripe.Checkout.Session): Stripe.PaymentIntent | null {
  return session.payment_intent !== null && typeof session.payment_intent === 'object' ? session.payment_intent : null;
}

/*
 * One rule per handled event type. The mapped type makes the compiler refuse a type in HANDLED_EVENT_TYPES without
 * its rule (or a rule without its type): facts, revalidation and the Events API query cannot drift apart.
 */
const EVENT_RULES: { readonly [T in HandledEventType]: EventRule<T> } = {
  'checkout.session.completed': {
    facts: (session, at) => sessionCompleted(session, at),
    reads: 'checkout.session',
    stillTrue: (fresh) => fresh.object === 'checkout.session' && fresh.status === 'complete',
  },
  'checkout.session.async_payment_succeeded': {
    facts: (session, at) =>
      session.mode !== 'payment' ? notPaymentMode(session) : facts(sessionHints(session), [{ kind: 'payment_succeeded', key: `paid:${session.id}`, at, ...sessionEvidence(session) }]),
    reads: 'checkout.session',
    stillTrue: (fresh) => fresh.object === 'checkout.session' && fresh.status === 'complete' && fresh.payment_status === 'paid',
  },
  'checkout.session.async_payment_failed': {
    facts: (session, at) =>
      session.mode !== 'payment'
        ? notPaymentMode(session)
        : facts(sessionHints(session), [{ kind: 'payment_failed', key: `failed:${session.id}`, at, reason: 'the delayed payment failed', paymentIntentId: idOf(session.payment_intent) }]),
    reads: 'checkout.session',
    stillTrue: (fresh) => {
      if (fresh.object !== 'checkout.session' || fresh.status !== 'complete' || fresh.payment_status !== 'unpaid') return false;
      const intent = intentOf(fresh);
      // complete/unpaid is also a debit still in flight; only the intent tells the failure apart.
      return intent !== null && intent.status !== 'processing' && intent.status !== 'succeeded';
    },
  },
  'checkout.session.expired': {
    facts: (session, at) =>
      session.mode !== 'payment' ? notPaymentMode(session) : facts(sessionHints(session), [{ kind: 'session_expired', key: `expired:${session.id}`, at, checkoutSessionId: session.id }]),
    reads: 'checkout.session',
    stillTrue: (fresh) => fresh.object === 'checkout.session' && fresh.status === 'expired',
  },
  'payment_intent.succeeded': {
    facts: (intent, at) => facts(intentHints(intent), [{ kind: 'payment_succeeded', key: `paid:${intent.id}`, at, ...intentEvidence(intent) }]),
    reads: 'payment_intent',
    stillTrue: (fresh) => fresh.object === 'payment_intent' && fresh.status === 'succeeded',
  },
  'payment_intent.payment_failed': {
    facts: (intent, at) => intentFailed(intent, at),
    reads: 'payment_intent',
    stillTrue: (fresh) => fresh.object === 'payment_intent' && fresh.last_payment_error !== null && fresh.status !== 'succeeded',
  },
  'payment_intent.canceled': {
    facts: (intent, at) => facts(intentHints(intent), [{ kind: 'payment_canceled', key: `canceled:${intent.id}`, at, paymentIntentId: intent.id }]),
    reads: 'payment_intent',
    stillTrue: (fresh) => fresh.object === 'payment_intent' && fresh.status === 'canceled',
  },
  'charge.refunded': {
    // amount_refunded is cumulative, so the key names the total: a later, larger refund is a new fact.
    facts: (charge, at) =>
      facts(chargeHints(charge), [
        { kind: 'refunded_to_date', key: `refunded:${charge.id}:${charge.amount_refunded}`, at, chargeId: charge.id, amountRefunded: charge.amount_refunded, currency: charge.currency },
      ]),
    reads: 'charge',
    stillTrue: (fresh) => fresh.object === 'charge' && fresh.amount_refunded > 0,
  },
  'charge.dispute.created': {
    facts: (dispute, at) => facts(disputeHints(dispute), [{ kind: 'dispute_opened', key: `dispute_opened:${dispute.id}`, at, disputeId: dispute.id }]),
    reads: 'dispute',
    stillTrue: (fresh) => fresh.object === 'dispute',
  },
  'charge.dispute.closed': {
    facts: (dispute, at) => disputeClosed(dispute, at),
    reads: 'dispute',
    stillTrue: (fresh) => fresh.object === 'dispute' && CLOSED_DISPUTE.has(fresh.status),
  },
};

/** The rule of a handled event, typed by its type (TypeScript cannot correlate the event's union with the table's). */
function ruleOf<T extends HandledEventType>(type: T): EventRule<T> {
  return EVENT_RULES[type] as EventRule<T>;
}

/**
 * Reads what a Stripe event says about an order. Fact keys come from the object and what it states,
 * never from the event id, so the same truth learned by webhook, verify or reconciliation is one fact.
 */
export function eventToFacts(event: Stripe.Event): FactMapping {
  if (!isHandledEvent(event)) return { kind: 'ignored', reason: `settled does not act on ${event.type} events` };
  return ruleOf(event.type).facts(event.data.object as never, event.created * 1000);
}

/** For revalidation: which object a handled event is about, and whether Stripe's current copy still backs it. */
export function revalidationRule(type: HandledEventType): Pick<EventRule<HandledEventType>, 'reads' | 'stillTrue'> {
  const { reads, stillTrue } = ruleOf(type);
  return { reads, stillTrue };
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
