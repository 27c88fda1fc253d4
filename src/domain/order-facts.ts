/**
 * A fact is what one Stripe object says about one order, independent of how it reached us (webhook,
 * success-page verify, reconciliation). An order's state is a pure function of its set of facts.
 */
interface FactBase {
  readonly orderId: string;
  /** Identity of the fact itself: two deliveries that say the same thing share a key. */
  readonly key: string;
  /** Unix milliseconds, from Stripe's `created` of the object or event — never our clock. */
  readonly at: number;
}

/** Evidence that money moved (or will), with everything needed to check it against the order. */
export interface PaymentEvidence {
  readonly amount: number;
  readonly currency: string;
  readonly orderRef: string | null;
  readonly checkoutSessionId: string | null;
  readonly paymentIntentId: string | null;
}

export type Fact =
  | (FactBase & { readonly kind: 'payment_succeeded' } & PaymentEvidence)
  /** Checkout completed with a delayed method: the buyer is done, the money is not yet. */
  | (FactBase & { readonly kind: 'payment_processing' } & PaymentEvidence)
  | (FactBase & { readonly kind: 'payment_failed'; readonly reason: string; readonly paymentIntentId: string | null })
  | (FactBase & { readonly kind: 'payment_canceled'; readonly paymentIntentId: string })
  | (FactBase & { readonly kind: 'session_expired'; readonly checkoutSessionId: string })
  /** Stripe's charge.amount_refunded is cumulative, so each fact states the total refunded so far. */
  | (FactBase & { readonly kind: 'refunded_to_date'; readonly chargeId: string; readonly amountRefunded: number; readonly currency: string })
  | (FactBase & { readonly kind: 'dispute_opened'; readonly disputeId: string })
  | (FactBase & { readonly kind: 'dispute_closed'; readonly disputeId: string; readonly outcome: 'won' | 'lost' | 'warning_closed' })
  /** An operator looked at a needs_review order and approved it as paid. */
  | (FactBase & { readonly kind: 'review_approved'; readonly operator: string; readonly note: string });

export type FactKind = Fact['kind'];

/** The facts that claim money moved for the order; each is checked against the order's terms. */
export type PaymentEvidenceFact = Extract<Fact, { kind: 'payment_succeeded' | 'payment_processing' }>;

type WithoutOrderId<F> = F extends Fact ? Omit<F, 'orderId'> : never;
/** A fact read from a Stripe object before the order it belongs to is known (distributive over kinds). */
export type FactDraft = WithoutOrderId<Fact>;

export function isPaymentEvidence(fact: Fact): fact is PaymentEvidenceFact {
  return fact.kind === 'payment_succeeded' || fact.kind === 'payment_processing';
}
