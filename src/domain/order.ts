import type { Money } from './money.js';

export const ORDER_STATUSES = [
  'pending',
  'paid',
  'payment_failed',
  'expired',
  'partially_refunded',
  'refunded',
  'disputed',
  'dispute_lost',
  'needs_review',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly currency: string;
  /** The shop's own keys and values for the line (sidecar API orders); settled stores and returns them. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The Stripe Price this line was priced from (Checkout is then created with it); absent for other sources. */
  readonly stripePrice?: string;
}

/** What settled promised the buyer, fixed at checkout from a server-side price source. */
export interface OrderTerms {
  readonly id: string;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  /** HMAC over (id, amount, currency); Stripe objects must carry it back in metadata.order_ref. */
  readonly orderRef: string;
  readonly email: string | null;
  readonly flow: 'checkout_session' | 'payment_intent';
  /** The Stripe object created for this order; a payment through any other object is refused. */
  readonly checkoutSessionId: string | null;
  readonly paymentIntentId: string | null;
  /** Unix milliseconds. */
  readonly createdAt: number;
}

export type EntitlementState = 'none' | 'active' | 'revoked';

/** The part of an order that is derived from its facts — never written by hand. */
export interface OrderDerived {
  readonly status: OrderStatus;
  readonly amountRefunded: number;
  /** Unix milliseconds of the earliest confirmed payment, or null. */
  readonly paidAt: number | null;
  readonly reviewReason: string | null;
  /** True once a validated payment has been seen; the fulfillment row is then due (once, ever). */
  readonly fulfill: boolean;
  readonly entitlement: EntitlementState;
}
