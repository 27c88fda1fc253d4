import { describe, expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import type { PaymentEvidence } from '../../../src/domain/order-facts.js';
import { validatePayment } from '../../../src/domain/order-validation.js';

const terms: OrderTerms = {
  id: 'ord_1',
  lines: [],
  total: { amount: 2999, currency: 'usd' },
  orderRef: 'good-ref',
  email: null,
  flow: 'checkout_session',
  checkoutSessionId: 'cs_1',
  paymentIntentId: 'pi_1',
  createdAt: 0,
};
const evidence: PaymentEvidence = { amount: 2999, currency: 'usd', orderRef: 'good-ref', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1' };

describe('validatePayment', () => {
  it('accepts evidence that matches every term', () => {
    expect(validatePayment(terms, evidence)).toEqual({ kind: 'ok' });
  });

  it('accepts evidence that carries no session or payment intent id', () => {
    expect(validatePayment(terms, { ...evidence, checkoutSessionId: null, paymentIntentId: null })).toEqual({ kind: 'ok' });
  });

  it('accepts any payment intent when the order has none recorded yet', () => {
    expect(validatePayment({ ...terms, paymentIntentId: null }, { ...evidence, paymentIntentId: 'pi_9' })).toEqual({ kind: 'ok' });
  });

  const cases: { name: string; evidence: PaymentEvidence; reason: string }[] = [
    { name: 'a different amount', evidence: { ...evidence, amount: 1999 }, reason: "amount 1999 usd does not match the order's 2999 usd" },
    { name: 'a different currency', evidence: { ...evidence, currency: 'eur' }, reason: "amount 2999 eur does not match the order's 2999 usd" },
    { name: 'a missing order_ref', evidence: { ...evidence, orderRef: null }, reason: 'the payment carries no metadata.order_ref, so settled did not create it for this order' },
    { name: 'a forged order_ref', evidence: { ...evidence, orderRef: 'bad-ref!' }, reason: "metadata.order_ref does not match the order's reference (created for another order or altered)" },
    { name: 'another checkout session', evidence: { ...evidence, checkoutSessionId: 'cs_2' }, reason: "checkout session cs_2 is not the order's session (cs_1)" },
    { name: 'another payment intent', evidence: { ...evidence, paymentIntentId: 'pi_2' }, reason: "payment intent pi_2 is not the order's payment intent pi_1" },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with a reason a person can act on`, () => {
      expect(validatePayment(terms, c.evidence)).toEqual({ kind: 'mismatch', reason: c.reason });
    });
  }

  it('names every problem at once', () => {
    const result = validatePayment(terms, { ...evidence, amount: 1, orderRef: null });
    expect(result.kind === 'mismatch' && result.reason.split('; ')).toHaveLength(2);
  });
});
