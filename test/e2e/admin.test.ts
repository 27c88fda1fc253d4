import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { startShop, type Shop } from '../support/shop.js';
import { DESKTOP, describeInBrowser, launchBrowser, snap, temporaryStore } from './browser.js';

const TOKEN = 'e2e-admin-token-0123456789abcdefgh';

describeInBrowser('operator dashboard in a browser', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shop: Shop;
  let store: { store: Store; dispose(): Promise<void> };

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    store = await temporaryStore();
    shop = await startShop({ store: store.store, adminToken: TOKEN });
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await shop?.close();
    await store?.dispose();
  });

  async function signIn(): Promise<void> {
    await page.goto(`${shop.url}/admin`);
    await page.waitForURL(`${shop.url}/admin/login`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${shop.url}/admin`);
  }

  async function paidOrder(card = '4242424242424242'): Promise<{ orderId: string; sessionId: string }> {
    const { orderId, sessionId, checkoutUrl } = await shop.checkout();
    const paid = await shop.pay(checkoutUrl, card);
    expect(paid.status).toBe(303);
    await shop.quiesce();
    return { orderId, sessionId };
  }

  async function h1(): Promise<string> {
    return page.getByRole('heading', { level: 1 }).innerText();
  }

  it('without signing in the dashboard shows only the sign-in page, and a wrong token is refused', async () => {
    const response = await page.goto(`${shop.url}/admin/orders`);
    expect(page.url()).toBe(`${shop.url}/admin/login`);
    expect(response?.status()).toBe(200);
    expect(await h1()).toBe('Sign in');
    await snap(page, 'admin-login');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('not the admin token');
    expect(page.url()).toBe(`${shop.url}/admin/login`);
  });

  it('a refund from the order page goes through Stripe; the order and access change only when charge.refunded arrives', async () => {
    const { orderId } = await paidOrder();
    const accessToken = (await store.store.orders.get(orderId))?.accessToken;
    await signIn();
    await snap(page, 'admin-overview');
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Search').fill(orderId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await snap(page, 'admin-orders');
    await page.getByRole('link', { name: orderId }).click();
    expect(await h1()).toContain('paid');
    await snap(page, 'admin-order');

    shop.emulator.pauseWebhooks();
    await page.getByRole('button', { name: 'Refund' }).click();
    expect(await page.getByRole('status').first().innerText()).toContain('Refund sent to Stripe');
    // Stripe has refunded, but settled has not heard it yet: the order is still paid and access still works, and
    // the page says a refund is on its way instead of offering the whole amount again.
    expect(await h1()).toContain('paid');
    const waiting = page.getByRole('status').filter({ hasText: 'Refund requested, waiting for Stripe' });
    expect(await waiting.innerText()).toContain('$12.00 requested');
    expect(await page.getByText('can still be refunded').count()).toBe(0);
    await snap(page, 'admin-order-refund-pending');
    expect((await store.store.orders.get(orderId))?.status).toBe('paid');
    expect((await fetch(`${shop.url}/access/${accessToken}`)).status).toBe(200);

    // The notice was for the refund just made: the page reloading itself while it waits does not show it again.
    await page.waitForEvent('load');
    expect(await page.getByText('Refund sent to Stripe').count()).toBe(0);
    expect(await waiting.count()).toBe(1);

    // Once charge.refunded is processed, the open page changes by itself: no reload by the operator.
    shop.emulator.resumeWebhooks();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'refunded' }).waitFor({ timeout: 15_000 });
    expect(await waiting.count()).toBe(0);
    await page.reload();
    expect(await h1()).toContain('refunded');
    expect(await page.locator('ol.timeline').innerText()).toContain('refunded to date');
    const access = await page.goto(`${shop.url}/access/${accessToken}`);
    expect(access?.status()).toBe(410);
    expect(await h1()).toBe('This purchase was refunded');
    await snap(page, 'access-refunded');
  });

  it('a dead letter shows its error and Retry puts it back through the worker', async () => {
    shop.emulator.pauseWebhooks();
    const { orderId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    const completed = shop.emulator.events().find((event) => event.type === 'checkout.session.completed');
    if (!completed) throw new Error('the emulator recorded no checkout.session.completed');
    // The webhook's event, stored but failed for good, as after a long outage of something the worker needs.
    // The worker stops first, or its next poll could process the event before this test claims it.
    await shop.settled.worker.stop();
    await store.store.inbox.add([{ id: completed.id, type: completed.type, payload: JSON.stringify(completed), source: 'webhook', receivedAt: Date.now() }]);
    const [claimed] = await store.store.inbox.claim({ workerId: 'e2e', limit: 1, leaseMs: 60_000, now: Date.now() });
    expect(claimed?.id).toBe(completed.id);
    await store.store.inbox.fail({ id: completed.id, workerId: 'e2e', error: 'StoreUnavailableError: database timed out', runAt: Date.now(), dead: true, now: Date.now() });
    shop.settled.worker.start();

    await signIn();
    expect(await page.locator('.stat', { hasText: 'dead letters' }).locator('.value').innerText()).toBe('1');
    await page.getByRole('link', { name: 'Events' }).click();
    const deadTable = page.locator('h2#dead + p + .table-wrap');
    expect(await deadTable.innerText()).toContain('database timed out');
    await snap(page, 'admin-events');
    await deadTable.getByRole('button', { name: `Retry ${completed.id}` }).click();
    expect(await page.getByRole('status').first().innerText()).toContain('Event put back in the inbox');
    await shop.settled.worker.drain();
    expect((await store.store.orders.get(orderId))?.status).toBe('paid');
    expect((await store.store.inbox.get(completed.id))?.status).toBe('processed');
  });

  it('a needs_review order shows why, and approving it fulfils it through the inbox', async () => {
    shop.emulator.pauseWebhooks();
    const { orderId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    const completed = shop.emulator.events().find((event) => event.type === 'checkout.session.completed');
    if (!completed) throw new Error('the emulator recorded no checkout.session.completed');
    // A payment for less than the order: validation parks it.
    const tampered = { ...completed, id: `${completed.id}_short`, data: { object: { ...completed.data.object, amount_total: 100 } } };
    await store.store.inbox.add([{ id: tampered.id, type: tampered.type, payload: JSON.stringify(tampered), source: 'webhook', receivedAt: Date.now() }]);
    await shop.settled.worker.drain();
    expect((await store.store.orders.get(orderId))?.status).toBe('needs_review');

    await signIn();
    await page.goto(`${shop.url}/admin/orders?status=needs_review`);
    await page.getByRole('link', { name: orderId }).click();
    const review = page.getByRole('region', { name: 'Needs review' });
    expect(await review.innerText()).toContain('100');
    await snap(page, 'admin-order-review');
    await page.getByLabel('Note (optional)').fill('checked in Stripe');
    await page.getByRole('button', { name: 'Approve payment' }).click();
    expect(await page.getByRole('status').first().innerText()).toContain('Approval recorded');
    await shop.settled.worker.drain();
    const order = await store.store.orders.get(orderId);
    expect(order?.status).toBe('paid');
    expect(order?.entitlement).toBe('active');
    const approvals = (await store.store.inbox.list({ limit: 50 })).filter((event) => event.type === 'settled.review_approved');
    expect(approvals.map((event) => [event.source, event.status])).toEqual([['operator', 'processed']]);
  });

  it('a form posted from another site is refused and refunds nothing', async () => {
    const { orderId } = await paidOrder();
    await signIn();
    const attacker: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><form method="post" action="${shop.url}/admin/orders/${orderId}/refund"><input name="csrf" value="guess"><input name="amount" value=""><button>Win a prize</button></form>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      // localhost is another site than 127.0.0.1 as far as the browser is concerned.
      await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([page.waitForResponse(`${shop.url}/admin/orders/${orderId}/refund`), page.getByRole('button', { name: 'Win a prize' }).click()]);
      expect(response.status()).toBe(403);
      await shop.quiesce();
      expect((await store.store.orders.get(orderId))?.status).toBe('paid');
      expect(shop.emulator.events().some((event) => event.type === 'charge.refunded')).toBe(false);
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
  });
});
