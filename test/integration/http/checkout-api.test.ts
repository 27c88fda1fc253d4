import { afterEach, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/domain/catalog.js';
import { startShop, type Shop } from '../../support/shop.js';
import { describeEachStore } from '../../support/stores.js';

const catalog = parseCatalog({
  items: [
    { sku: 'mug', name: 'Mug', unitAmount: 1500, currency: 'usd', resource: { title: 'Mug', body: 'A mug.' } },
    { sku: 'tee', name: 'T-shirt', unitAmount: 2500, currency: 'usd', resource: { title: 'Tee', body: 'A tee.' } },
    { sku: 'kaffee', name: 'Kaffee', unitAmount: 900, currency: 'eur', resource: { title: 'Kaffee', body: 'Kaffee.' } },
  ],
});

type ErrorBody = { error: { code: string; message: string } };

describeEachStore('checkout API', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('lists the catalog with integer minor-unit prices', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    const { status, body } = await shop.api('GET', '/api/catalog');
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        { sku: 'mug', name: 'Mug', unitAmount: 1500, currency: 'usd' },
        { sku: 'tee', name: 'T-shirt', unitAmount: 2500, currency: 'usd' },
        { sku: 'kaffee', name: 'Kaffee', unitAmount: 900, currency: 'eur' },
      ],
    });
  });

  it('prices the session from the catalog only, and tags it with order_id and order_ref', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    const created = await shop.api<{ orderId: string; sessionId: string; checkoutUrl: string }>('POST', '/api/checkout', {
      items: [{ sku: 'mug', quantity: 2 }, { sku: 'tee', quantity: 1 }],
      email: 'buyer@example.com',
    });
    expect(created.status).toBe(201);
    expect(created.body.orderId).toMatch(/^ord_[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
    const session = await shop.stripe.checkout.sessions.retrieve(created.body.sessionId);
    expect(session).toMatchObject({ amount_total: 5500, currency: 'usd', customer_email: 'buyer@example.com', client_reference_id: created.body.orderId });
    expect(session.metadata?.['order_id']).toBe(created.body.orderId);
    expect(session.metadata?.['order_ref']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.url).toBe(created.body.checkoutUrl);
    expect(session.success_url).toBe(`${shop.url}/success?session_id={CHECKOUT_SESSION_ID}`);
    const lines = await shop.stripe.checkout.sessions.listLineItems(created.body.sessionId);
    expect(lines.data.map((l) => [l.description, l.quantity, l.amount_total])).toEqual([
      ['Mug', 2, 3000],
      ['T-shirt', 1, 2500],
    ]);
  });

  it('refuses what the catalog cannot price, and creates nothing', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    const cases: [unknown, string][] = [
      [{ items: [{ sku: 'nope', quantity: 1 }] }, 'unknown_sku'],
      [{ items: [{ sku: 'mug', quantity: 0 }] }, 'bad_quantity'],
      [{ items: [{ sku: 'mug', quantity: 1.5 }] }, 'bad_quantity'],
      [{ items: [{ sku: 'mug', quantity: 100 }] }, 'bad_quantity'],
      [{ items: [{ sku: 'mug', quantity: 1 }, { sku: 'kaffee', quantity: 1 }] }, 'mixed_currencies'],
      [{ items: [] }, 'invalid_request'],
      [{ items: [{ sku: 'mug', quantity: 1, unitAmount: 1 }] }, 'invalid_request'],
      [{ items: [{ sku: 'mug', quantity: 1 }], amount: 1 }, 'invalid_request'],
      [{ items: [{ sku: 'mug', quantity: 1 }], email: 'not an email' }, 'invalid_request'],
      [{ items: [{ sku: 'mug', quantity: '1' }] }, 'invalid_request'],
    ];
    for (const [body, code] of cases) {
      const response = await shop.api<ErrorBody>('POST', '/api/checkout', body);
      expect({ body, status: response.status, code: response.body.error.code }).toEqual({ body, status: 400, code });
      expect(response.body.error.message.length).toBeGreaterThan(10);
    }
    const broken = await fetch(`${shop.url}/api/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).error.code).toBe('invalid_json');
    expect((await shop.stripe.checkout.sessions.list()).data).toHaveLength(0);
    expect(await shop.settled.store.orders.list({ limit: 10 })).toHaveLength(0);
  });

  it('answers an HTML form post with a 303 to the hosted checkout page', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    const response = await fetch(`${shop.url}/api/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'items%5B0%5D%5Bsku%5D=tee&items%5B0%5D%5Bquantity%5D=2&email=',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location.startsWith(`${shop.emulator.url}/c/pay/cs_test_`)).toBe(true);
    const [session] = (await shop.stripe.checkout.sessions.list({ limit: 1 })).data;
    expect(session?.amount_total).toBe(5000);
  });

  it('waits out a Stripe 429 and still creates the session, once', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    shop.emulator.failNext(429, 1, '/v1/checkout/sessions');
    const created = await shop.api<{ sessionId: string }>('POST', '/api/checkout', { items: [{ sku: 'mug', quantity: 1 }] });
    expect(created.status).toBe(201);
    expect((await shop.stripe.checkout.sessions.list()).data.map((s) => s.id)).toEqual([created.body.sessionId]);
  });

  it('answers 502 when Stripe cannot be reached, and the buyer is told nothing was charged', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    await shop.emulator.close();
    const response = await shop.api<ErrorBody>('POST', '/api/checkout', { items: [{ sku: 'mug', quantity: 1 }] });
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('stripe_unavailable');
    expect(response.body.error.message).toContain('Nothing was charged');
  });

  it('answers 404 for an unknown order id without saying more', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    for (const id of ['ord_AAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2f..%2fetc']) {
      const response = await shop.api<ErrorBody>('GET', `/api/orders/${id}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('order_not_found');
    }
  });
});
