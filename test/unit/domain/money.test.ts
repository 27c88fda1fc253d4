import { describe, expect, it } from 'vitest';
import { formatMoney, isCurrencyCode, minorUnitExponent } from '../../../src/domain/money.js';

describe('money', () => {
  it('formats two-decimal, zero-decimal and three-decimal currencies from minor units', () => {
    expect(formatMoney({ amount: 2999, currency: 'usd' })).toBe('$29.99');
    expect(formatMoney({ amount: 500, currency: 'jpy' })).toBe('¥500');
    expect(formatMoney({ amount: 1234, currency: 'kwd' }, 'en-US')).toBe('KWD\u00a01.234');
  });

  it('formats for the given locale', () => {
    expect(formatMoney({ amount: 2999, currency: 'eur' }, 'de-DE')).toBe('29,99\u00a0€');
  });

  it("follows Stripe's minor units, not ISO's, for currencies where they differ", () => {
    expect(minorUnitExponent('isk')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
  });

  it('knows lowercase ISO codes only', () => {
    expect(isCurrencyCode('usd')).toBe(true);
    expect(isCurrencyCode('jpy')).toBe(true);
    expect(isCurrencyCode('USD')).toBe(false);
    expect(isCurrencyCode('usdx')).toBe(false);
    expect(isCurrencyCode('zzz')).toBe(false);
  });
});
