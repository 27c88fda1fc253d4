import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../src/domain/catalog.js';
import { CatalogError, parseCatalog, parseCatalogText, priceOrder, servesResources } from '../../../src/domain/catalog.js';

const resource = { title: 'T', body: 'B' };
const catalog: Catalog = parseCatalog({
  items: [
    { sku: 'mug', name: 'Mug', unitAmount: 1500, currency: 'usd', resource },
    { sku: 'poster', name: 'Poster', unitAmount: 2999, currency: 'usd', resource },
    { sku: 'gold', name: 'Gold bar', unitAmount: 99_999_999, currency: 'usd', resource },
    { sku: 'tea', name: 'Tea', unitAmount: 500, currency: 'jpy', resource },
  ],
});

function problemsOf(json: unknown): readonly string[] {
  try {
    parseCatalog(json);
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  throw new Error('expected parseCatalog to refuse');
}

describe('parseCatalog', () => {
  it('accepts the demo catalog shipped in catalog/demo.json', () => {
    const demo = parseCatalog(JSON.parse(readFileSync(new URL('../../../catalog/demo.json', import.meta.url), 'utf8')));
    expect(demo.items.length).toBeGreaterThanOrEqual(3);
    expect(demo.items.every((item) => item.currency === 'usd')).toBe(true);
  });

  it('refuses an empty catalog', () => {
    expect(problemsOf({ items: [] })).toEqual(['items: the catalog has no items; add at least one']);
  });

  it('refuses a duplicate sku and says which one', () => {
    expect(problemsOf({ items: [{ sku: 'a', name: 'A', unitAmount: 1, currency: 'usd', resource }, { sku: 'a', name: 'A2', unitAmount: 2, currency: 'usd', resource }] })).toEqual([
      'items[1].sku: duplicate sku "a"; each sku must be unique',
    ]);
  });

  it('refuses decimal, zero, negative and too large amounts', () => {
    const item = (unitAmount: number) => ({ sku: `s${unitAmount}`.replace(/[^A-Za-z0-9]/g, ''), name: 'X', unitAmount, currency: 'usd', resource });
    const problems = problemsOf({ items: [item(19.99), item(0), item(-5), item(100_000_000)] });
    expect(problems).toEqual([
      'items[0].unitAmount: must be an integer number of minor units (1999 for $19.99), not a decimal price',
      'items[1].unitAmount: must be positive',
      'items[2].unitAmount: must be positive',
      "items[3].unitAmount: must be at most 99999999, Stripe's largest charge",
    ]);
  });

  it('refuses a currency that is not a lowercase ISO code', () => {
    for (const currency of ['USD', 'dollars', 'zzz']) {
      expect(problemsOf({ items: [{ sku: 'a', name: 'A', unitAmount: 1, currency, resource }] })).toEqual(['items[0].currency: must be a lowercase ISO 4217 code such as "usd"']);
    }
  });

  it('takes an item without a resource (the shop fulfills it by itself), and reports a resource that is not one', () => {
    const catalog = parseCatalog({ items: [{ sku: 'a', name: 'A', unitAmount: 1, currency: 'usd' }] });
    expect(catalog.items[0]?.resource).toBeUndefined();
    expect(servesResources(catalog)).toBe(false);
    expect(problemsOf({ items: [{ sku: 'a', name: 'A', unitAmount: 1, currency: 'usd', resource: { title: '' } }] })[0]).toMatch(/^items\[0\]\.resource\.title: /);
    expect(problemsOf('nope')[0]).toMatch(/^catalog: /);
  });

  it('names a misspelt key as unknown, beside the key it should have been', () => {
    const problems = problemsOf({ items: [{ sku: 'a', name: 'A', unitAmout: 1, currency: 'usd', resource: { ...resource, link: 'x' } }] });
    expect(problems).toContain('items[0]: unknown key "unitAmout"; the keys here are sku, name, unitAmount, currency, resource');
    expect(problems).toContain('items[0].resource: unknown key "link"; the keys here are title, body, url');
    expect(problems.some((problem) => problem.startsWith('items[0].unitAmount: '))).toBe(true);
  });

  it('says what to do and which file in its message', () => {
    const error = (() => {
      try {
        parseCatalog({ items: [] }, '/shop/catalog.json');
      } catch (caught) {
        return caught as CatalogError;
      }
      throw new Error('expected parseCatalog to refuse');
    })();
    expect(error.code).toBe('invalid_catalog');
    expect(error.message).toBe('The catalog /shop/catalog.json is invalid; fix this and start again:\n- items: the catalog has no items; add at least one');
  });
});

describe('parseCatalogText', () => {
  function syntaxProblem(text: string): string {
    try {
      parseCatalogText(text);
    } catch (error) {
      if (error instanceof CatalogError) return error.problems.join('\n');
      throw error;
    }
    throw new Error('expected parseCatalogText to refuse');
  }

  it('gives the line and column of broken JSON as an editor counts them', () => {
    expect(syntaxProblem('{\n  "items": [\n    { "sku": "a" "name": "A" }\n  ]\n}')).toMatch(/^line 3, column 18: not valid JSON \(.+\)$/);
    expect(syntaxProblem('{ "items": [')).toMatch(/^line 1, column 13: not valid JSON/);
  });

  it('reads a catalog whose JSON is sound', () => {
    expect(parseCatalogText(readFileSync(new URL('../../../catalog/demo.json', import.meta.url), 'utf8')).items.length).toBeGreaterThan(0);
  });
});

describe('priceOrder', () => {
  it('prices lines from the catalog, not from the request', () => {
    expect(priceOrder(catalog, { items: [{ sku: 'mug', quantity: 2 }, { sku: 'poster', quantity: 1 }] })).toEqual({
      kind: 'priced',
      lines: [
        { sku: 'mug', name: 'Mug', quantity: 2, unitAmount: 1500, currency: 'usd' },
        { sku: 'poster', name: 'Poster', quantity: 1, unitAmount: 2999, currency: 'usd' },
      ],
      total: { amount: 5999, currency: 'usd' },
    });
  });

  it('merges a repeated sku into one line', () => {
    const priced = priceOrder(catalog, { items: [{ sku: 'mug', quantity: 1 }, { sku: 'poster', quantity: 1 }, { sku: 'mug', quantity: 3 }] });
    expect(priced.kind === 'priced' && priced.lines.map((line) => [line.sku, line.quantity])).toEqual([['mug', 4], ['poster', 1]]);
  });

  const rejections: { name: string; items: { sku: string; quantity: number }[]; code: string }[] = [
    { name: 'an empty order', items: [], code: 'empty_order' },
    { name: 'an unknown sku', items: [{ sku: 'ghost', quantity: 1 }], code: 'unknown_sku' },
    { name: 'a zero quantity', items: [{ sku: 'mug', quantity: 0 }], code: 'bad_quantity' },
    { name: 'a fractional quantity', items: [{ sku: 'mug', quantity: 1.5 }], code: 'bad_quantity' },
    { name: 'a quantity over 99', items: [{ sku: 'mug', quantity: 100 }], code: 'bad_quantity' },
    { name: 'a repeated sku adding up to over 99', items: [{ sku: 'mug', quantity: 60 }, { sku: 'mug', quantity: 40 }], code: 'bad_quantity' },
    { name: 'items in two currencies', items: [{ sku: 'mug', quantity: 1 }, { sku: 'tea', quantity: 1 }], code: 'mixed_currencies' },
    { name: "a total above Stripe's largest charge", items: [{ sku: 'gold', quantity: 1 }, { sku: 'mug', quantity: 1 }], code: 'amount_too_large' },
  ];
  for (const r of rejections) {
    it(`rejects ${r.name} with code ${r.code}`, () => {
      const priced = priceOrder(catalog, { items: r.items });
      expect(priced.kind).toBe('rejected');
      expect(priced.kind === 'rejected' && priced.code).toBe(r.code);
      expect(priced.kind === 'rejected' && priced.message.length).toBeGreaterThan(10);
    });
  }

  it('accepts a total of exactly the largest charge', () => {
    expect(priceOrder(catalog, { items: [{ sku: 'gold', quantity: 1 }] })).toMatchObject({ kind: 'priced', total: { amount: 99_999_999 } });
  });
});

describe('priceOrder properties', () => {
  it('prices every accepted order at the sum of catalog prices, within what Stripe can charge', () => {
    const line = fc.record({ sku: fc.constantFrom('mug', 'poster', 'gold'), quantity: fc.integer({ min: -1, max: 120 }) });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (items) => {
        const priced = priceOrder(catalog, { items });
        if (priced.kind === 'rejected') return;
        const expected = items.reduce((sum, item) => sum + item.quantity * (item.sku === 'mug' ? 1500 : item.sku === 'poster' ? 2999 : 99_999_999), 0);
        expect(priced.total).toEqual({ amount: expected, currency: 'usd' });
        expect(priced.total.amount).toBeLessThanOrEqual(99_999_999);
        expect(priced.lines.every((l) => Number.isInteger(l.quantity) && l.quantity >= 1 && l.quantity <= 99)).toBe(true);
      }),
    );
  });
});
