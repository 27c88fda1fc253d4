import { describe, expect, it } from 'vitest';
import { priceRequest } from '../../../src/domain/pricing.js';

describe('priceRequest', () => {
  it('merges repeated skus and keeps the Stripe Price a quote names', () => {
    const priced = priceRequest({ items: [{ sku: 'a', quantity: 1 }, { sku: 'a', quantity: 2 }] }, () => ({ name: 'A', unitAmount: 500, currency: 'eur', stripePrice: 'price_a' }));
    expect(priced).toEqual({ kind: 'priced', lines: [{ sku: 'a', name: 'A', quantity: 3, unitAmount: 500, currency: 'eur', stripePrice: 'price_a' }], total: { amount: 1500, currency: 'eur' } });
  });

  it('refuses a sku the source does not know', () => {
    expect(priceRequest({ items: [{ sku: 'nope', quantity: 1 }] }, () => undefined)).toMatchObject({ kind: 'rejected', code: 'unknown_sku' });
  });
});
