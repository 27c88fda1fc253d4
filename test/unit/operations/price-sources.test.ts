import { describe, expect, it } from 'vitest';
import { ShopPricingError, shopPricingSource } from '../../../src/operations/price-sources.js';

const item = (sku: string, currency = 'usd') => ({ sku, name: sku, unitAmount: 1000, currency });

describe("the shop's pricing function as a price source", () => {
  it('is asked once per order with the skus merged, and never for a request refused before pricing', async () => {
    const asked: unknown[] = [];
    const source = shopPricingSource((items) => {
      asked.push(items);
      return { items: items.map(({ sku }) => item(sku)) };
    });
    expect(await source.price({ items: [{ sku: 'a', quantity: 1 }, { sku: 'a', quantity: 2 }] })).toMatchObject({ kind: 'priced', total: { amount: 3000 } });
    expect(await source.price({ items: [{ sku: 'a', quantity: 0 }] })).toMatchObject({ kind: 'rejected', code: 'bad_quantity' });
    expect(await source.price({ items: [] })).toMatchObject({ kind: 'rejected', code: 'empty_order' });
    expect(asked).toEqual([[{ sku: 'a', quantity: 3 }]]);
  });

  it("passes the shop's refusal on with its code; a code a client cannot match on is the shop's bug", async () => {
    const refusing = (code: string) => shopPricingSource(() => ({ refuse: { code, message: 'No.' } }));
    expect(await refusing('out_of_stock').price({ items: [{ sku: 'a', quantity: 1 }] })).toEqual({ kind: 'rejected', code: 'out_of_stock', message: 'No.' });
    await expect(refusing('Out Of Stock!').price({ items: [{ sku: 'a', quantity: 1 }] })).rejects.toBeInstanceOf(ShopPricingError);
  });

  it('an order whose items the shop prices in two currencies is the buyer\'s to split; a bad amount is the shop\'s bug', async () => {
    const mixed = shopPricingSource((items) => ({ items: items.map(({ sku }) => item(sku, sku === 'b' ? 'eur' : 'usd')) }));
    expect(await mixed.price({ items: [{ sku: 'a', quantity: 1 }, { sku: 'b', quantity: 1 }] })).toMatchObject({ kind: 'rejected', code: 'mixed_currencies' });
    const fractional = shopPricingSource((items) => ({ items: items.map(({ sku }) => ({ ...item(sku), unitAmount: 9.99 })) }));
    await expect(fractional.price({ items: [{ sku: 'a', quantity: 1 }] })).rejects.toThrow(/unit amount of "a" must be a whole number/);
  });
});
