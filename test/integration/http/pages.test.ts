import { afterEach, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/domain/catalog.js';
import { describeEachStore } from '../../support/stores.js';
import { startShop, type Shop } from '../../support/shop.js';

const catalog = parseCatalog({
  items: [
    { sku: 'yen-item', name: 'Tea bowl', unitAmount: 500, currency: 'jpy', resource: { title: 'Tea bowl', body: 'A bowl.' } },
    { sku: 'euro-item', name: 'Map', unitAmount: 1999, currency: 'eur', resource: { title: 'Map', body: 'A map.' } },
    { sku: 'dinar-item', name: 'Lamp', unitAmount: 1500, currency: 'kwd', resource: { title: 'Lamp', body: 'A lamp.' } },
  ],
});

describeEachStore('buyer pages over HTTP', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('the storefront formats each price for its own currency', async () => {
    shop = await startShop({ store: ctx.store, catalog });
    const html = await (await fetch(`${shop.url}/`)).text();
    expect(html).toContain('¥500');
    expect(html).toContain('€19.99');
    expect(html).toContain('KWD');
    expect(html).toContain('1.500');
  });

  it('pages carry no inline script and their assets are served from this origin', async () => {
    shop = await startShop({ store: ctx.store });
    const { sessionId } = await shop.checkout();
    for (const path of ['/', `/success?session_id=${sessionId}`, '/cancel']) {
      const html = await (await fetch(`${shop.url}${path}`)).text();
      expect(html, path).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html, path).not.toMatch(/(src|href)="https?:/);
    }
    const css = await fetch(`${shop.url}/assets/settled.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    const js = await fetch(`${shop.url}/assets/success.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${shop.url}/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('an unknown or malformed session id on the success page says so and shows nothing paid', async () => {
    shop = await startShop({ store: ctx.store });
    const unknown = await fetch(`${shop.url}/success?session_id=cs_test_nothing_here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain('Paid');
    expect((await fetch(`${shop.url}/success?session_id=%3Cscript%3E`)).status).toBe(400);
  });

  it('after a declined card the success page says the payment did not go through and offers a retry', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, sessionId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4000000000000002')).status).toBe(402);
    await shop.quiesce();
    expect((await ctx.store.orders.get(orderId))?.status).toBe('payment_failed');
    const page = await fetch(`${shop.url}/success?session_id=${sessionId}`);
    const html = await page.text();
    expect(html).toContain('Your payment did not go through');
    expect(html).toContain('Try again');
    expect(html).not.toContain('Paid');
  });

  it('a disputed purchase explains that access is on hold', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4000000000000259')).status).toBe(303);
    await shop.quiesce();
    const order = await ctx.store.orders.get(orderId);
    expect(order?.status).toBe('disputed');
    const access = await fetch(`${shop.url}/access/${order?.accessToken}`);
    expect(access.status).toBe(410);
    expect(await access.text()).toContain('This purchase is on hold');
  });
});
