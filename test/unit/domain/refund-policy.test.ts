import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../../../src/domain/order.js';
import { knownPaymentIntent, planRefund, refundableAmount, refundPending } from '../../../src/domain/refund-policy.js';

function order(status: OrderStatus, amountRefunded = 0, total = 1200) {
  return { id: 'ord_1', status, amountRefunded, total: { amount: total, currency: 'usd' } };
}

describe('refund policy', () => {
  it('refunds only paid, partially refunded and in-review orders, never a disputed one', () => {
    const refundable = ORDER_STATUSES.filter((status) => refundableAmount(order(status)) > 0);
    expect(refundable).toEqual(['paid', 'partially_refunded', 'needs_review']);
  });

  it('asking for "the rest" and asking for the same amount explicitly are one refund with one key', () => {
    const rest = planRefund(order('partially_refunded', 500), undefined);
    const explicit = planRefund(order('partially_refunded', 500), 700);
    expect(rest).toEqual(explicit);
    expect(rest).toEqual({ kind: 'refund', amount: 700, currency: 'usd', idempotencyKey: 'settled-refund-ord_1-500-700' });
  });

  it('the same refund asked again before Stripe reports it has the same key; after Stripe reports it, the next is another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1199 }), fc.integer({ min: 1, max: 1200 }), (refunded, amount) => {
        fc.pre(amount <= 1200 - refunded);
        const first = planRefund(order(refunded === 0 ? 'paid' : 'partially_refunded', refunded), amount);
        const again = planRefund(order(refunded === 0 ? 'paid' : 'partially_refunded', refunded), amount);
        const after = planRefund(order('partially_refunded', refunded + amount), amount);
        expect(first.kind).toBe('refund');
        expect(again).toEqual(first);
        if (after.kind === 'refund' && first.kind === 'refund') expect(after.idempotencyKey).not.toBe(first.idempotencyKey);
      }),
    );
  });

  it('refuses more than is left, nothing, fractions, and orders with nothing left, saying why', () => {
    expect(planRefund(order('paid'), 1201)).toMatchObject({ kind: 'refused', code: 'bad_amount', message: '1201 is more than the 1200 usd not yet refunded on order ord_1.' });
    expect(planRefund(order('paid'), 0)).toMatchObject({ kind: 'refused', code: 'bad_amount' });
    expect(planRefund(order('paid'), 2.5)).toMatchObject({ kind: 'refused', code: 'bad_amount' });
    expect(planRefund(order('refunded', 1200), undefined)).toMatchObject({ kind: 'refused', code: 'not_refundable' });
    expect(planRefund(order('disputed'), 100)).toMatchObject({ kind: 'refused', code: 'not_refundable' });
  });

  it('names the PaymentIntent that paid: the order\'s own, else the one in a payment fact', () => {
    const base = { orderId: 'ord_1', key: 'k', at: 1 };
    const failed = { fact: { ...base, kind: 'payment_failed' as const, reason: 'declined', paymentIntentId: 'pi_failed' } };
    const paid = { fact: { ...base, kind: 'payment_succeeded' as const, amount: 1200, currency: 'usd', orderRef: 'r', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_paid' } };
    expect(knownPaymentIntent({ paymentIntentId: 'pi_own' }, [paid])).toBe('pi_own');
    expect(knownPaymentIntent({ paymentIntentId: null }, [failed, paid])).toBe('pi_paid');
    expect(knownPaymentIntent({ paymentIntentId: null }, [failed])).toBe('pi_failed');
    expect(knownPaymentIntent({ paymentIntentId: null }, [])).toBeNull();
  });
});

describe('refundPending', () => {
  const asked = { amount: 500, refundedBefore: 200, status: 'succeeded' };
  it('is pending until the refunded-to-date covers what was refunded before and this refund', () => {
    expect(refundPending({ amountRefunded: 200 }, asked)).toBe(true);
    expect(refundPending({ amountRefunded: 699 }, asked)).toBe(true);
    expect(refundPending({ amountRefunded: 700 }, asked)).toBe(false);
    expect(refundPending({ amountRefunded: 1200 }, asked)).toBe(false);
  });
  it('is not pending once Stripe said it failed or was canceled', () => {
    expect(refundPending({ amountRefunded: 200 }, { ...asked, status: 'failed' })).toBe(false);
    expect(refundPending({ amountRefunded: 200 }, { ...asked, status: 'canceled' })).toBe(false);
    expect(refundPending({ amountRefunded: 200 }, { ...asked, status: 'pending' })).toBe(true);
  });
});
