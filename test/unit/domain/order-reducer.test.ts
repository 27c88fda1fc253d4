import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import type { Fact, FactDraft } from '../../../src/domain/order-facts.js';
import { decideOrder } from '../../../src/domain/order-reducer.js';

const ORDER_ID = 'ord_1';
const REF = 'ref-for-ord_1';
const terms: OrderTerms = {
  id: ORDER_ID,
  lines: [{ sku: 'mug', name: 'Mug', quantity: 1, unitAmount: 2999, currency: 'usd' }],
  total: { amount: 2999, currency: 'usd' },
  orderRef: REF,
  email: null,
  flow: 'checkout_session',
  checkoutSessionId: 'cs_1',
  paymentIntentId: null,
  createdAt: 1_000,
};

function fact(draft: FactDraft): Fact {
  return { ...draft, orderId: ORDER_ID } as Fact;
}

const paid = (at = 10_000, overrides: Partial<{ amount: number; currency: string; orderRef: string | null; checkoutSessionId: string | null }> = {}): Fact =>
  fact({ kind: 'payment_succeeded', key: `paid:cs_1:${at}`, at, amount: 2999, currency: 'usd', orderRef: REF, checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', ...overrides });
const processing = (at = 9_000): Fact =>
  fact({ kind: 'payment_processing', key: 'processing:cs_1', at, amount: 2999, currency: 'usd', orderRef: REF, checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1' });
const failed = (at = 8_000): Fact => fact({ kind: 'payment_failed', key: `failed:pi_1:${at}`, at, reason: 'card_declined', paymentIntentId: 'pi_1' });
const canceled = (at = 50_000): Fact => fact({ kind: 'payment_canceled', key: 'canceled:pi_1', at, paymentIntentId: 'pi_1' });
const expired = (at = 60_000): Fact => fact({ kind: 'session_expired', key: 'expired:cs_1', at, checkoutSessionId: 'cs_1' });
const refunded = (amountRefunded: number, at = 20_000, chargeId = 'ch_1'): Fact =>
  fact({ kind: 'refunded_to_date', key: `refunded:${chargeId}:${amountRefunded}`, at, chargeId, amountRefunded, currency: 'usd' });
const disputeOpened = (disputeId = 'dp_1', at = 30_000): Fact => fact({ kind: 'dispute_opened', key: `dispute_opened:${disputeId}`, at, disputeId });
const disputeClosed = (outcome: 'won' | 'lost' | 'warning_closed', disputeId = 'dp_1', at = 40_000): Fact =>
  fact({ kind: 'dispute_closed', key: `dispute_closed:${disputeId}`, at, disputeId, outcome });
const approved = (at = 70_000): Fact => fact({ kind: 'review_approved', key: 'review_approved:alice', at, operator: 'alice', note: 'customer paid by phone' });

describe('decideOrder scenarios', () => {
  const scenarios: { name: string; facts: Fact[]; status: string; fulfill: boolean; entitlement: string; amountRefunded?: number }[] = [
    { name: 'an order without facts is pending', facts: [], status: 'pending', fulfill: false, entitlement: 'none' },
    { name: 'a validated payment makes the order paid and due for fulfillment', facts: [paid()], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a delayed payment method keeps the order pending until the money moves', facts: [processing()], status: 'pending', fulfill: false, entitlement: 'none' },
    { name: 'a delayed payment that later succeeds ends paid', facts: [processing(), paid(12_000)], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a delayed payment that fails ends payment_failed', facts: [processing(), failed(12_000)], status: 'payment_failed', fulfill: false, entitlement: 'none' },
    { name: 'a declined card leaves the order payment_failed, still payable', facts: [failed()], status: 'payment_failed', fulfill: false, entitlement: 'none' },
    { name: 'a declined then successful retry ends paid', facts: [failed(), paid()], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a session that expires unpaid ends expired', facts: [failed(), expired()], status: 'expired', fulfill: false, entitlement: 'none' },
    { name: 'a canceled payment intent ends expired', facts: [canceled()], status: 'expired', fulfill: false, entitlement: 'none' },
    { name: 'an expired session after a payment stays paid', facts: [paid(), expired()], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a partial refund keeps the entitlement', facts: [paid(), refunded(1000)], status: 'partially_refunded', fulfill: true, entitlement: 'active', amountRefunded: 1000 },
    { name: 'a full refund revokes the entitlement', facts: [paid(), refunded(1000), refunded(2999, 25_000)], status: 'refunded', fulfill: true, entitlement: 'revoked', amountRefunded: 2999 },
    { name: 'a refund that arrives before the payment still ends refunded', facts: [refunded(2999, 5_000), paid(10_000)], status: 'refunded', fulfill: true, entitlement: 'revoked', amountRefunded: 2999 },
    { name: 'a refund alone does not mark the order paid', facts: [refunded(2999)], status: 'pending', fulfill: false, entitlement: 'none', amountRefunded: 2999 },
    { name: 'refunds on two charges add up', facts: [paid(), refunded(1000, 20_000, 'ch_1'), refunded(1999, 21_000, 'ch_2')], status: 'refunded', fulfill: true, entitlement: 'revoked', amountRefunded: 2999 },
    { name: 'an open dispute revokes the entitlement', facts: [paid(), disputeOpened()], status: 'disputed', fulfill: true, entitlement: 'revoked' },
    { name: 'a lost dispute revokes the entitlement', facts: [paid(), disputeOpened(), disputeClosed('lost')], status: 'dispute_lost', fulfill: true, entitlement: 'revoked' },
    { name: 'a won dispute restores it', facts: [paid(), disputeOpened(), disputeClosed('won')], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a closed inquiry restores it', facts: [paid(), disputeOpened(), disputeClosed('warning_closed')], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a dispute closure that arrives before its opening still closes it', facts: [disputeClosed('won', 'dp_1', 1_000), paid(), disputeOpened('dp_1', 30_000)], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a won dispute after a partial refund returns to partially_refunded', facts: [paid(), refunded(500), disputeOpened(), disputeClosed('won')], status: 'partially_refunded', fulfill: true, entitlement: 'active', amountRefunded: 500 },
    { name: 'one lost dispute among won ones ends dispute_lost', facts: [paid(), disputeOpened('dp_1'), disputeClosed('won', 'dp_1'), disputeOpened('dp_2'), disputeClosed('lost', 'dp_2')], status: 'dispute_lost', fulfill: true, entitlement: 'revoked' },
    { name: 'a payment of the wrong amount parks the order for review and fulfills nothing', facts: [paid(10_000, { amount: 1999 })], status: 'needs_review', fulfill: false, entitlement: 'none' },
    { name: 'a payment without an order_ref parks the order for review', facts: [paid(10_000, { orderRef: null })], status: 'needs_review', fulfill: false, entitlement: 'none' },
    { name: "a payment through another checkout session parks the order for review", facts: [paid(10_000, { checkoutSessionId: 'cs_other' })], status: 'needs_review', fulfill: false, entitlement: 'none' },
    { name: 'an operator approval makes a mismatched payment paid', facts: [paid(10_000, { amount: 1999 }), approved()], status: 'paid', fulfill: true, entitlement: 'active' },
    { name: 'a suspicious second payment parks a fulfilled order without taking its entitlement', facts: [paid(), paid(11_000, { currency: 'eur' })], status: 'needs_review', fulfill: true, entitlement: 'active' },
    { name: 'a mismatched delayed payment parks the order for review', facts: [fact({ kind: 'payment_processing', key: 'processing:cs_1', at: 1, amount: 2999, currency: 'usd', orderRef: 'forged', checkoutSessionId: 'cs_1', paymentIntentId: null })], status: 'needs_review', fulfill: false, entitlement: 'none' },
    { name: 'a refund in another currency parks the order for review', facts: [paid(), fact({ kind: 'refunded_to_date', key: 'refunded:ch_1:100', at: 20_000, chargeId: 'ch_1', amountRefunded: 100, currency: 'eur' })], status: 'needs_review', fulfill: true, entitlement: 'active', amountRefunded: 0 },
  ];

  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const derived = decideOrder(terms, scenario.facts);
      expect({ status: derived.status, fulfill: derived.fulfill, entitlement: derived.entitlement }).toEqual({
        status: scenario.status,
        fulfill: scenario.fulfill,
        entitlement: scenario.entitlement,
      });
      if (scenario.amountRefunded !== undefined) expect(derived.amountRefunded).toBe(scenario.amountRefunded);
    });
  }

  it('names the amount problem so an operator can act on it', () => {
    const derived = decideOrder(terms, [paid(10_000, { amount: 1999 })]);
    expect(derived.reviewReason).toBe("amount 1999 usd does not match the order's 2999 usd");
  });

  it('clears the review reason once an operator approves', () => {
    expect(decideOrder(terms, [paid(10_000, { amount: 1999 }), approved()]).reviewReason).toBeNull();
  });

  it('takes paidAt from the earliest validated payment', () => {
    expect(decideOrder(terms, [paid(30_000), paid(10_000), paid(5_000, { amount: 1 })]).paidAt).toBe(10_000);
  });

  it('ignores facts stamped for another order', () => {
    expect(decideOrder(terms, [{ ...paid(), orderId: 'ord_other' }]).status).toBe('pending');
  });
});

const factArb: fc.Arbitrary<Fact> = fc.oneof(
  fc.record({
    at: fc.integer({ min: 1, max: 100 }),
    amount: fc.constantFrom(2999, 1999),
    currency: fc.constantFrom('usd', 'usd', 'eur'),
    orderRef: fc.constantFrom<string | null>(REF, REF, REF, 'forged', null),
    checkoutSessionId: fc.constantFrom<string | null>('cs_1', 'cs_1', null, 'cs_other'),
    processing: fc.boolean(),
  }).map((r) =>
    fact({
      kind: r.processing ? 'payment_processing' : 'payment_succeeded',
      key: `${r.processing ? 'processing' : 'paid'}:${r.checkoutSessionId ?? 'pi_1'}:${r.at}`,
      at: r.at, amount: r.amount, currency: r.currency, orderRef: r.orderRef, checkoutSessionId: r.checkoutSessionId, paymentIntentId: 'pi_1',
    }),
  ),
  fc.integer({ min: 1, max: 100 }).map((at) => failed(at)),
  fc.integer({ min: 1, max: 100 }).map((at) => canceled(at)),
  fc.integer({ min: 1, max: 100 }).map((at) => expired(at)),
  fc.record({ amount: fc.integer({ min: 0, max: 3000 }), at: fc.integer({ min: 1, max: 100 }), charge: fc.constantFrom('ch_1', 'ch_2') }).map((r) => refunded(r.amount, r.at, r.charge)),
  fc.constantFrom('dp_1', 'dp_2').map((id) => disputeOpened(id)),
  fc.record({ id: fc.constantFrom('dp_1', 'dp_2'), outcome: fc.constantFrom<'won' | 'lost' | 'warning_closed'>('won', 'lost', 'warning_closed') }).map((r) => disputeClosed(r.outcome, r.id)),
  fc.constant(approved()),
);

describe('decideOrder properties', () => {
  it('gives the same result for any permutation and duplication of the same facts', () => {
    // The same facts, some repeated, in any order — what retries, replays and reconciliation produce.
    const world = fc
      .array(factArb, { minLength: 1, maxLength: 12 })
      .chain((facts) => fc.tuple(fc.constant(facts), fc.array(fc.constantFrom(...facts), { maxLength: 6 })))
      .chain(([facts, duplicates]) => {
        const all = [...facts, ...duplicates];
        return fc.tuple(fc.constant(facts), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }));
      });
    fc.assert(
      fc.property(world, ([facts, shuffled]) => {
        expect(decideOrder(terms, shuffled)).toEqual(decideOrder(terms, facts));
      }),
      { numRuns: 500 },
    );
  });

  it('never fulfills a mismatched payment unless an operator approved it', () => {
    const mismatched = factArb.filter((f) => f.kind !== 'review_approved' && !(f.kind === 'payment_succeeded' && f.amount === 2999 && f.currency === 'usd' && f.orderRef === REF && f.checkoutSessionId !== 'cs_other'));
    fc.assert(
      fc.property(fc.array(mismatched, { maxLength: 12 }), (facts) => {
        const derived = decideOrder(terms, facts);
        expect(derived.fulfill).toBe(false);
        expect(derived.entitlement).toBe('none');
      }),
    );
  });

  it('never takes back a fulfillment when more facts arrive', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 10 }), fc.array(factArb, { maxLength: 10 }), (before, later) => {
        if (decideOrder(terms, before).fulfill) expect(decideOrder(terms, [...before, ...later]).fulfill).toBe(true);
      }),
    );
  });

  it('counts the largest refunded_to_date per charge whatever order they arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2999 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (amounts, reverse) => {
        const facts = amounts.map((amount, i) => refunded(amount, i + 1));
        const derived = decideOrder(terms, [paid(), ...(reverse ? facts.reverse() : facts)]);
        expect(derived.amountRefunded).toBe(Math.max(...amounts));
        expect(derived.status).toBe(Math.max(...amounts) >= 2999 ? 'refunded' : 'partially_refunded');
      }),
    );
  });
});
