import { afterEach, expect, it } from 'vitest';
import type { ShopPricing } from '../../../src/operations/price-sources.js';
import { startShop, type Shop } from '../../support/shop.js';
import { describeEachStore } from '../../support/stores.js';

/** The shop's products, as its own database would hold them. */
const PRODUCTS = new Map([
  ['sku-1001', { name: 'Walnut desk', unitAmount: 45_000, currency: 'eur', stock: 3 }],
  ['sku-1002', { name: 'Desk lamp', unitAmount: 3_900, currency: 'eur', stock: 0 }],
]);

function shopPricing(calls: string[][]): ShopPricing {
  return async (items) => {
    calls.push(items.map((item) => `${item.sku}×${item.quantity}`));
    await new Promise((resolve) => setTimeout(resolve, 5)); // a database round trip
    const empty = items.find((item) => (PRODUCTS.get(item.sku)?.stock ?? 1) < item.quantity);
    if (empty) return { refuse: { code: 'out_of_stock', message: `Only ${PRODUCTS.get(empty.sku)?.stock ?? 0} of "${empty.sku}" left.` } };
    return { items: items.flatMap(({ sku }) => { const p = PRODUCTS.get(sku); return p ? [{ sku, name: p.name, unitAmount: p.unitAmount, currency: p.currency }] : []; }) };
  };
}

async function payFor(shop: Shop, items: { sku: string; quantity: number }[], email = 'buyer@example.com'): Promise<string> {
  const started = await shop.api<{ orderId: string; checkoutUrl: string }>('POST', '/api/checkout', { items, email });
  expect(started.status).toBe(201);
  expect((await shop.pay(started.body.checkoutUrl, '4242424242424242')).status).toBe(303);
  await shop.quiesce();
  return started.body.orderId;
}

describeEachStore('catalog sources', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it("the shop's own pricing function prices every order; the order is paid at its price and the notice carries the whole order", async () => {
    const calls: string[][] = [];
    shop = await startShop({ store: ctx.store, catalog: shopPricing(calls) });
    const orderId = await payFor(shop, [{ sku: 'sku-1001', quantity: 1 }, { sku: 'sku-1001', quantity: 1 }]);
    expect(calls).toEqual([['sku-1001×2']]);

    const order = await shop.order(orderId);
    expect(order).toMatchObject({ status: 'paid', amountTotal: 90_000, currency: 'eur', items: [{ sku: 'sku-1001', name: 'Walnut desk', quantity: 2, unitAmount: 45_000 }] });
    // No resources to serve and no link of the shop's: no access link.
    expect(order['accessUrl']).toBeUndefined();

    const fulfilled = shop.notices.find((notice) => notice.kind === 'order.fulfilled');
    const session = await shop.stripe.checkout.sessions.retrieve(String((await shop.settled.store.orders.get(orderId))?.checkoutSessionId));
    expect(fulfilled?.order).toEqual({
      id: orderId,
      status: 'paid',
      email: 'buyer@example.com',
      lines: [{ sku: 'sku-1001', name: 'Walnut desk', quantity: 2, unitAmount: 45_000, currency: 'eur' }],
      amountTotal: 90_000,
      currency: 'eur',
      amountRefunded: 0,
      reviewReason: null,
      createdAt: expect.any(Number),
      paidAt: expect.any(Number),
      checkoutSessionId: session.id,
      // The PaymentIntent that paid, though a Checkout order's terms never name one.
      paymentIntentId: session.payment_intent,
    });
    expect(fulfilled?.accessUrl).toBeUndefined();

    // A second order asks again: prices are never remembered from one order to the next.
    await payFor(shop, [{ sku: 'sku-1001', quantity: 1 }]);
    expect(calls).toHaveLength(2);
  });

  it("the function's refusal is a 400 with its code, a sku it leaves out is unknown, and nothing is created", async () => {
    shop = await startShop({ store: ctx.store, catalog: shopPricing([]) });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: 'sku-1002', quantity: 1 }] })).toMatchObject({
      status: 400,
      body: { error: { code: 'out_of_stock', message: 'Only 0 of "sku-1002" left.' } },
    });
    expect(await shop.api('POST', '/api/payment-intents', { items: [{ sku: 'sku-9999', quantity: 1 }] })).toMatchObject({ status: 400, body: { error: { code: 'unknown_sku' } } });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: 'sku-1001', quantity: 100 }] })).toMatchObject({ status: 400, body: { error: { code: 'bad_quantity' } } });
    expect(await shop.api('GET', '/api/catalog')).toMatchObject({ status: 404, body: { error: { code: 'catalog_not_listed' } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
    expect((await shop.stripe.checkout.sessions.list()).data).toEqual([]);
  });

  it('a function that answers a price settled cannot charge is a 500 without details, and creates nothing', async () => {
    shop = await startShop({ store: ctx.store, catalog: async (items) => ({ items: items.map(({ sku }) => ({ sku, name: 'Half a cent', unitAmount: 0.5, currency: 'usd' })) }) });
    expect(await shop.api('POST', '/api/checkout', { items: [{ sku: 'x', quantity: 1 }] })).toMatchObject({ status: 500, body: { error: { code: 'internal_error' } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
  });

  it("the shop's access link builder is what buyers and the notices get", async () => {
    shop = await startShop({ store: ctx.store, catalog: shopPricing([]), accessUrl: (order) => `https://shop.example/orders/${order.id}/downloads` });
    const orderId = await payFor(shop, [{ sku: 'sku-1001', quantity: 1 }]);
    expect((await shop.order(orderId))['accessUrl']).toBe(`https://shop.example/orders/${orderId}/downloads`);
    expect(shop.notices.find((notice) => notice.kind === 'order.fulfilled')?.accessUrl).toBe(`https://shop.example/orders/${orderId}/downloads`);
    // settled's own page is not where this shop's buyers go.
    const token = (await ctx.store.orders.get(orderId))?.accessToken;
    expect((await fetch(`${shop.url}/access/${token}`)).status).toBe(404);
  });

  it('a static catalog item without a resource is sold, and the access page names it', async () => {
    shop = await startShop({ store: ctx.store, catalog: { items: [{ sku: 'poster', name: 'Poster', unitAmount: 2500, currency: 'usd' }, { sku: 'zine', name: 'Zine', unitAmount: 500, currency: 'usd', resource: { title: 'The zine', body: 'Read it here.' } }] } });
    const orderId = await payFor(shop, [{ sku: 'poster', quantity: 1 }, { sku: 'zine', quantity: 1 }]);
    const accessUrl = String((await shop.order(orderId))['accessUrl']);
    const page = await (await fetch(accessUrl)).text();
    expect(page).toContain('Poster');
    expect(page).toContain('The zine');
  });
});
