import { afterEach, expect, it } from 'vitest';
import { computeOrderRef } from '../../../src/domain/order-ref.js';
import { startShop, type Shop } from '../../support/shop.js';
import { describeEachStore } from '../../support/stores.js';

async function createPrices(shop: Shop): Promise<{ deskId: string; lampId: string }> {
  const product = await shop.stripe.products.create({ name: 'Walnut desk' });
  const desk = await shop.stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 45_000, lookup_key: 'desk-standard' });
  const lamp = await shop.stripe.prices.create({ currency: 'eur', unit_amount: 3_900, product_data: { name: 'Desk lamp' } });
  return { deskId: desk.id, lampId: lamp.id };
}

describeEachStore('Stripe Prices as the catalog', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('items named by lookup key and by Price id are priced by Stripe, sold as those Prices, and paid', async () => {
    shop = await startShop({ store: ctx.store, catalog: { stripePrices: {} } });
    const { deskId, lampId } = await createPrices(shop);
    const { orderId, sessionId, checkoutUrl } = await shop.checkout([{ sku: 'desk-standard', quantity: 1 }, { sku: lampId, quantity: 2 }]);

    const lineItems = await shop.stripe.checkout.sessions.listLineItems(sessionId);
    expect(lineItems.data.map((item) => [item.price?.id, item.quantity])).toEqual([[deskId, 1], [lampId, 2]]);
    expect(await shop.order(orderId)).toMatchObject({
      amountTotal: 52_800,
      currency: 'eur',
      items: [{ sku: 'desk-standard', name: 'Walnut desk', quantity: 1, unitAmount: 45_000 }, { sku: lampId, name: 'Desk lamp', quantity: 2, unitAmount: 3_900 }],
    });

    await shop.pay(checkoutUrl, '4242424242424242');
    await shop.quiesce();
    expect(await shop.order(orderId)).toMatchObject({ status: 'paid', amountTotal: 52_800 });
    expect(shop.notices.find((notice) => notice.kind === 'order.fulfilled')?.order.lines.map((line) => line.stripePrice)).toEqual([deskId, lampId]);
  });

  it('a PaymentIntent is made for what the Prices say', async () => {
    shop = await startShop({ store: ctx.store, catalog: { stripePrices: {} } });
    await createPrices(shop);
    const started = await shop.api<{ paymentIntentId: string }>('POST', '/api/payment-intents', { items: [{ sku: 'desk-standard', quantity: 2 }] });
    expect(started.status).toBe(201);
    const intent = await shop.stripe.paymentIntents.retrieve(started.body.paymentIntentId);
    expect([intent.amount, intent.currency]).toEqual([90_000, 'eur']);
  });

  it('an order keeps what the Prices said when it was made; a moved lookup key prices the next order once the cache is refreshed', async () => {
    shop = await startShop({ store: ctx.store, catalog: { stripePrices: { maxAgeMs: 0 } } });
    const { deskId } = await createPrices(shop);
    const first = await shop.checkout([{ sku: 'desk-standard', quantity: 1 }]);
    // The shop raises the price the Stripe way: a new Price takes the lookup key over.
    const raised = await shop.stripe.prices.create({ product: (await shop.stripe.prices.retrieve(deskId)).product as string, currency: 'eur', unit_amount: 49_000, lookup_key: 'desk-standard', transfer_lookup_key: true });

    await shop.pay(first.checkoutUrl, '4242424242424242');
    await shop.quiesce();
    expect(await shop.order(first.orderId)).toMatchObject({ status: 'paid', amountTotal: 45_000 });

    const second = await shop.checkout([{ sku: 'desk-standard', quantity: 1 }]);
    expect(await shop.order(second.orderId)).toMatchObject({ amountTotal: 49_000 });
    expect((await shop.stripe.checkout.sessions.listLineItems(second.sessionId)).data[0]?.price?.id).toBe(raised.id);
  });

  it('a payment at the raised Price for an order made at the old one parks the order in needs_review, unfulfilled', async () => {
    shop = await startShop({ store: ctx.store, catalog: { stripePrices: { maxAgeMs: 0 } } });
    const { deskId } = await createPrices(shop);
    const { orderId } = await shop.checkout([{ sku: 'desk-standard', quantity: 1 }]);
    const raised = await shop.stripe.prices.create({ product: (await shop.stripe.prices.retrieve(deskId)).product as string, currency: 'eur', unit_amount: 49_000, lookup_key: 'desk-standard', transfer_lookup_key: true });
    // A session made outside settled, for this order, at what the lookup key says now.
    const metadata = { order_id: orderId, order_ref: computeOrderRef('test-order-ref-secret-0123456789abcdef', orderId, { amount: 45_000, currency: 'eur' }) };
    const rogue = await shop.stripe.checkout.sessions.create({ mode: 'payment', success_url: 'http://elsewhere.test/ok', line_items: [{ price: raised.id, quantity: 1 }], metadata, payment_intent_data: { metadata } });
    await shop.pay(rogue.url ?? '', '4242424242424242');
    await shop.quiesce();
    const order = await shop.order(orderId);
    expect(order).toMatchObject({ status: 'needs_review', amountTotal: 45_000 });
    expect(String(order['reviewReason'])).toMatch(/amount/);
    expect(shop.notices).toHaveLength(0);
  });

  it('a Price Stripe does not know, a lookup key no Price has and an archived Price are 400s with a code; nothing is created', async () => {
    shop = await startShop({ store: ctx.store, catalog: { stripePrices: {} } });
    const { lampId } = await createPrices(shop);
    await shop.stripe.prices.update(lampId, { active: false });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: 'price_doesnotexist', quantity: 1 }] })).toMatchObject({
      status: 400,
      body: { error: { code: 'unknown_price', message: 'Stripe has no Price "price_doesnotexist".' } },
    });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: 'no-such-key', quantity: 1 }] })).toMatchObject({ status: 400, body: { error: { code: 'unknown_price' } } });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: lampId, quantity: 1 }] })).toMatchObject({ status: 400, body: { error: { code: 'inactive_price' } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
    expect((await shop.stripe.checkout.sessions.list()).data).toEqual([]);
  });
});
