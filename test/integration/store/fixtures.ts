import type { Fact } from '../../../src/domain/order-facts.js';
import type { OrderDerived, OrderTerms } from '../../../src/domain/order.js';

/** Terms for a one-line order of `amount` usd; override anything. */
export function orderTerms(overrides: Partial<OrderTerms> = {}): OrderTerms {
  const id = overrides.id ?? 'ord_1';
  return {
    id,
    lines: [{ sku: 'ebook', name: 'The Book', quantity: 1, unitAmount: 2500, currency: 'usd' }],
    total: { amount: 2500, currency: 'usd' },
    orderRef: `ref_${id}`,
    email: 'buyer@example.com',
    flow: 'checkout_session',
    checkoutSessionId: null,
    paymentIntentId: null,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function paymentFact(orderId: string, key: string, overrides: { amount?: number; at?: number } = {}): Fact {
  return {
    kind: 'payment_succeeded',
    orderId,
    key,
    at: overrides.at ?? 1_700_000_100_000,
    amount: overrides.amount ?? 2500,
    currency: 'usd',
    orderRef: `ref_${orderId}`,
    checkoutSessionId: 'cs_test_1',
    paymentIntentId: 'pi_test_1',
  };
}

/**
 * A deliberately tiny reducer for store tests (the real one lives in src/domain/order-reducer.ts): a payment of
 * the full amount pays and fulfills; an open dispute revokes the entitlement until it is won.
 */
export function tinyDecide(terms: OrderTerms, facts: readonly Fact[]): OrderDerived {
  const payments = facts.filter((f) => f.kind === 'payment_succeeded' && f.amount === terms.total.amount && f.currency === terms.total.currency);
  const paid = payments.length > 0;
  const opened = new Set(facts.flatMap((f) => (f.kind === 'dispute_opened' ? [f.disputeId] : [])));
  for (const f of facts) if (f.kind === 'dispute_closed' && f.outcome === 'won') opened.delete(f.disputeId);
  const disputed = paid && opened.size > 0;
  return {
    status: !paid ? 'pending' : disputed ? 'disputed' : 'paid',
    amountRefunded: 0,
    paidAt: paid ? Math.min(...payments.map((f) => f.at)) : null,
    reviewReason: null,
    fulfill: paid,
    entitlement: !paid ? 'none' : disputed ? 'revoked' : 'active',
  };
}
