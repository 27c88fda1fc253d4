import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeOrderRef, constantTimeEqual, orderRefMatches } from '../../../src/domain/order-ref.js';

const SECRET = 'a-long-order-ref-secret-of-32-chars!!';
const total = { amount: 2999, currency: 'usd' };

describe('order ref', () => {
  it('matches the ref computed for the same order, amount and currency', () => {
    const ref = computeOrderRef(SECRET, 'ord_1', total);
    expect(ref).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(orderRefMatches(SECRET, 'ord_1', total, ref)).toBe(true);
  });

  it('fails for a tampered order id, amount or currency, or another secret', () => {
    const ref = computeOrderRef(SECRET, 'ord_1', total);
    expect(orderRefMatches(SECRET, 'ord_2', total, ref)).toBe(false);
    expect(orderRefMatches(SECRET, 'ord_1', { amount: 2998, currency: 'usd' }, ref)).toBe(false);
    expect(orderRefMatches(SECRET, 'ord_1', { amount: 2999, currency: 'eur' }, ref)).toBe(false);
    expect(orderRefMatches('another-secret-of-thirty-two-chars!!', 'ord_1', total, ref)).toBe(false);
  });

  it('fails for a missing, truncated or altered candidate', () => {
    const ref = computeOrderRef(SECRET, 'ord_1', total);
    expect(orderRefMatches(SECRET, 'ord_1', total, null)).toBe(false);
    expect(orderRefMatches(SECRET, 'ord_1', total, ref.slice(1))).toBe(false);
    expect(orderRefMatches(SECRET, 'ord_1', total, (ref[0] === 'A' ? 'B' : 'A') + ref.slice(1))).toBe(false);
  });

  it('never lets two different (id, amount, currency) triples share a ref', () => {
    const triple = fc.tuple(fc.string(), fc.nat(), fc.constantFrom('usd', 'eur', 'jpy'));
    fc.assert(
      fc.property(triple, triple, ([idA, amountA, curA], [idB, amountB, curB]) => {
        fc.pre(idA !== idB || amountA !== amountB || curA !== curB);
        expect(computeOrderRef(SECRET, idA, { amount: amountA, currency: curA })).not.toBe(computeOrderRef(SECRET, idB, { amount: amountB, currency: curB }));
      }),
    );
  });

  it('compares strings of different lengths as unequal without throwing', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
  });
});
