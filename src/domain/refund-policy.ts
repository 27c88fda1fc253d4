import type { Fact } from './order-facts.js';
import type { OrderDerived, OrderStatus, OrderTerms } from './order.js';

/**
 * Statuses with a payment an operator may still refund. Not `disputed` or `dispute_lost`: Stripe refuses to
 * refund a charge that is disputed (`charge_disputed`); the dispute decides where that money goes.
 */
export const REFUNDABLE_STATUSES: ReadonlySet<OrderStatus> = new Set(['paid', 'partially_refunded', 'needs_review']);

type RefundableOrder = Pick<OrderTerms, 'id' | 'total'> & Pick<OrderDerived, 'status' | 'amountRefunded'>;

/** What may still be refunded, in minor units: 0 when the order's status allows no refund. */
export function refundableAmount(order: RefundableOrder): number {
  if (!REFUNDABLE_STATUSES.has(order.status)) return 0;
  return Math.max(0, order.total.amount - order.amountRefunded);
}

export type RefundPlan =
  | { readonly kind: 'refund'; readonly amount: number; readonly currency: string; readonly idempotencyKey: string }
  | { readonly kind: 'refused'; readonly code: 'not_refundable' | 'bad_amount'; readonly message: string };

/**
 * Whether a refund of `requested` (minor units; undefined: all that is left) may be asked of Stripe, and the one
 * idempotency key for it. The key is the order, what it had refunded when asked, and the amount — always the
 * amount, never "the rest" — so that the same refund asked twice (a double-submitted form, a retry after a timeout,
 * the dashboard and the CLI at once) is one key and one refund, while the next refund after Stripe's event is another.
 */
export function planRefund(order: RefundableOrder, requested: number | undefined): RefundPlan {
  const left = refundableAmount(order);
  if (left === 0) {
    return { kind: 'refused', code: 'not_refundable', message: `Order ${order.id} is ${order.status} with nothing left to refund.` };
  }
  const amount = requested ?? left;
  if (!Number.isInteger(amount) || amount <= 0) {
    return { kind: 'refused', code: 'bad_amount', message: `${amount} is not an amount to refund: give a whole number of minor units above 0.` };
  }
  if (amount > left) {
    return { kind: 'refused', code: 'bad_amount', message: `${amount} is more than the ${left} ${order.total.currency} not yet refunded on order ${order.id}.` };
  }
  return { kind: 'refund', amount, currency: order.total.currency, idempotencyKey: `settled-refund-${order.id}-${order.amountRefunded}-${amount}` };
}

/** The PaymentIntent that paid the order, as far as the order and its facts know (a Checkout order learns it from Stripe). */
export function knownPaymentIntent(order: Pick<OrderTerms, 'paymentIntentId'>, facts: readonly { readonly fact: Fact }[]): string | null {
  if (order.paymentIntentId !== null) return order.paymentIntentId;
  // The intent that paid comes first; one that failed or is still processing is the same intent on a Checkout order.
  const paid = facts.find(({ fact }) => fact.kind === 'payment_succeeded' && fact.paymentIntentId !== null);
  if (paid && 'paymentIntentId' in paid.fact && paid.fact.paymentIntentId !== null) return paid.fact.paymentIntentId;
  for (const { fact } of facts) if ('paymentIntentId' in fact && fact.paymentIntentId !== null) return fact.paymentIntentId;
  return null;
}

/** Stripe's refund statuses that end a refund without money moving. */
const REFUND_FAILED = new Set(['failed', 'canceled']);

/**
 * Whether a refund settled asked Stripe for is still on its way: Stripe accepted it, and the order's refunded-to-date
 * (from charge.refunded, cumulative) does not cover it yet. What the order had refunded when it was asked is the base,
 * so two partial refunds asked one after the other are each seen arriving.
 */
export function refundPending(order: Pick<OrderDerived, 'amountRefunded'>, request: { readonly amount: number; readonly refundedBefore: number; readonly status: string }): boolean {
  return !REFUND_FAILED.has(request.status) && order.amountRefunded < request.refundedBefore + request.amount;
}
