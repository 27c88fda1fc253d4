import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_CHARGE_AMOUNT } from '../../../src/domain/money.js';
import { totalLines } from '../../../src/domain/order-lines.js';

const line = (overrides: Partial<{ unitAmount: number; quantity: number; currency: string }> = {}) => ({
  sku: 'a',
  name: 'A',
  unitAmount: 1000,
  quantity: 1,
  currency: 'usd',
  ...overrides,
});

function code(lines: ReturnType<typeof line>[]): string {
  const result = totalLines(lines);
  return result.kind === 'rejected' ? result.code : 'priced';
}

describe('order lines', () => {
  it('totals whole minor units in one currency', () => {
    expect(totalLines([line({ quantity: 3 }), line({ unitAmount: 1 })])).toMatchObject({ kind: 'priced', total: { amount: 3001, currency: 'usd' } });
  });

  it('refuses fractional, zero and too large amounts, quantities out of range, unknown and mixed currencies, empty orders', () => {
    expect(code([line({ unitAmount: 19.99 })])).toBe('bad_amount');
    expect(code([line({ unitAmount: 0 })])).toBe('bad_amount');
    expect(code([line({ unitAmount: MAX_CHARGE_AMOUNT + 1 })])).toBe('bad_amount');
    expect(code([line({ quantity: 0 })])).toBe('bad_quantity');
    expect(code([line({ quantity: 100 })])).toBe('bad_quantity');
    expect(code([line({ quantity: 1.5 })])).toBe('bad_quantity');
    expect(code([line({ currency: 'USD' })])).toBe('bad_currency');
    expect(code([line(), line({ currency: 'eur' })])).toBe('mixed_currencies');
    expect(code([line({ unitAmount: MAX_CHARGE_AMOUNT, quantity: 2 })])).toBe('amount_too_large');
    expect(code([])).toBe('empty_order');
    expect(code(Array.from({ length: 101 }, () => line()))).toBe('too_many_lines');
  });

  it('a priced order\'s total is always a whole number Stripe can charge', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ unitAmount: fc.double({ min: -10, max: 2e8 }), quantity: fc.integer({ min: -1, max: 120 }) }), { maxLength: 5 }), (drafts) => {
        const result = totalLines(drafts.map((draft) => line(draft)));
        if (result.kind === 'priced') expect(Number.isInteger(result.total.amount) && result.total.amount > 0 && result.total.amount <= MAX_CHARGE_AMOUNT).toBe(true);
      }),
    );
  });
});
