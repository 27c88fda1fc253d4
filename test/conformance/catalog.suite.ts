import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

const client = useConformanceClient();

describe('customers', () => {
  it('creates, retrieves, updates, lists and deletes a customer', async () => {
    const customer = await client().stripe.customers.create({ email: 'ada@example.com', name: 'Ada', metadata: { tier: 'gold' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'ada@example.com', name: 'Ada', metadata: { tier: 'gold' } });
    expect(customer.id).toMatch(/^cus_/);
    const updated = await client().stripe.customers.update(customer.id, { name: 'Ada L.' });
    expect(updated.name).toBe('Ada L.');
    const retrieved = await client().stripe.customers.retrieve(customer.id);
    expect(retrieved).toMatchObject({ id: customer.id, name: 'Ada L.' });
    const listed = await client().stripe.customers.list({ limit: 100 });
    expect(listed.data.map((c) => c.id)).toContain(customer.id);
    const deleted = await client().stripe.customers.del(customer.id);
    expect(deleted).toEqual({ id: customer.id, object: 'customer', deleted: true });
  });
});

describe('products and prices', () => {
  it('creates a product and a one-time price for it', async () => {
    const product = await client().stripe.products.create({ name: 'Field guide', metadata: { sku: 'FG-1' } });
    expect(product).toMatchObject({ object: 'product', name: 'Field guide', active: true, metadata: { sku: 'FG-1' } });
    const price = await client().stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', lookup_key: 'field-guide' });
    expect(price).toMatchObject({ object: 'price', product: product.id, unit_amount: 1500, currency: 'usd', type: 'one_time', active: true });
    // stripe-node 23 turns decimal strings into Decimal objects, so the wire format is read from the raw body.
    expect(client().last().body).toMatchObject({ unit_amount_decimal: '1500' });
    expect(await client().stripe.prices.retrieve(price.id)).toMatchObject({ id: price.id });
    expect(await client().stripe.products.retrieve(product.id)).toMatchObject({ id: product.id });
  });

  it('updates and lists products and prices', async () => {
    const product = await client().stripe.products.create({ name: 'Poster' });
    const price = await client().stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'eur' });
    expect((await client().stripe.products.update(product.id, { name: 'Big poster' })).name).toBe('Big poster');
    expect((await client().stripe.prices.update(price.id, { active: false })).active).toBe(false);
    const prices = await client().stripe.prices.list({ product: product.id });
    expect(prices.data.map((p) => p.id)).toEqual([price.id]);
    const products = await client().stripe.products.list({ limit: 100 });
    expect(products.data.map((p) => p.id)).toContain(product.id);
  });

  it('filters prices by lookup key, currency and type, and products by ids', async () => {
    const product = await client().stripe.products.create({ name: 'Globe' });
    const usd = await client().stripe.prices.create({ product: product.id, unit_amount: 3000, currency: 'usd', lookup_key: 'globe-usd' });
    const eur = await client().stripe.prices.create({ product: product.id, unit_amount: 2800, currency: 'eur', lookup_key: 'globe-eur' });
    const byKey = await client().stripe.prices.list({ lookup_keys: ['globe-eur'] });
    expect(byKey.data.map((p) => p.id)).toEqual([eur.id]);
    const byCurrency = await client().stripe.prices.list({ product: product.id, currency: 'usd' });
    expect(byCurrency.data.map((p) => p.id)).toEqual([usd.id]);
    expect((await client().stripe.prices.list({ product: product.id, type: 'recurring' })).data).toEqual([]);
    const byIds = await client().stripe.products.list({ ids: [product.id] });
    expect(byIds.data.map((p) => p.id)).toEqual([product.id]);
  });

  it('sells a catalog price through a checkout session', async () => {
    const product = await client().stripe.products.create({ name: 'Atlas' });
    const price = await client().stripe.prices.create({ product: product.id, unit_amount: 4000, currency: 'usd' });
    const session = await client().stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://shop.example/success',
    });
    expect(session.amount_total).toBe(4000);
    const items = await client().stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data[0]?.price).toMatchObject({ id: price.id, product: product.id });
  });
});
