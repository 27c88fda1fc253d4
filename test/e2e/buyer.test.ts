import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { startShop, type Shop } from '../support/shop.js';
import { DESKTOP, describeInBrowser, launchBrowser, snap, temporaryStore } from './browser.js';

describeInBrowser('buyer pages in a browser', () => {
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
    shop = await startShop({ store: store.store });
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await shop?.close();
    await store?.dispose();
  });

  async function buyFieldNotes(quantity: number): Promise<void> {
    await page.goto(`${shop.url}/`);
    const product = page.locator('form.product', { hasText: 'Field Notes on Quiet Software' });
    await product.getByLabel('Quantity').fill(String(quantity));
    await product.getByRole('button', { name: /Pay Now/ }).click();
    await page.waitForURL(`${shop.emulator.url}/**`);
  }

  it('storefront → hosted checkout → 4242 → the success page shows paid → the access page serves the purchase', async () => {
    await page.goto(`${shop.url}/`);
    expect(await page.locator('form.product').first().locator('.price').innerText()).toBe('$12.00');
    await snap(page, 'storefront');

    await buyFieldNotes(2);
    expect(await page.locator('#total').innerText()).toBe('$24.00');
    await snap(page, 'emulator-checkout');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /^Pay/ }).first().click();

    await page.waitForURL(`${shop.url}/success?**`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Thank you — your payment is confirmed');
    expect(await page.getByRole('status').innerText()).toContain('Paid');
    expect(await page.getByRole('status').innerText()).toContain('$24.00');
    await snap(page, 'success-paid');

    await page.getByRole('link', { name: 'Open what you bought' }).click();
    expect(await page.getByRole('heading', { level: 2 }).innerText()).toBe('Field Notes on Quiet Software');
    expect(await page.locator('.resource').innerText()).toContain('Make the common path boring.');
    await snap(page, 'access');
  });

  it('a declined card shows the decline on the hosted page; a retry with 4242 pays the same order', async () => {
    await buyFieldNotes(1);
    await page.getByLabel('Card number').fill('4000 0000 0000 0002');
    await page.getByRole('button', { name: /^Pay/ }).first().click();
    expect(await page.getByRole('alert').innerText()).toContain('declined');
    await page.getByLabel('Card number').fill('4242424242424242');
    await page.getByRole('button', { name: /^Pay/ }).first().click();
    await page.waitForURL(`${shop.url}/success?**`);
    expect(await page.getByRole('status').innerText()).toContain('Paid');
    const orders = await store.store.orders.list({ limit: 10 });
    expect(orders.map((order) => order.status)).toEqual(['paid']);
  });

  it('a 3D Secure card asks for authentication, then the success page shows paid', async () => {
    await buyFieldNotes(1);
    await page.getByLabel('Card number').fill('4000002760003184');
    await page.getByRole('button', { name: /^Pay/ }).first().click();
    await page.waitForURL('**/3ds/**');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('3D Secure test authentication');
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await page.waitForURL(`${shop.url}/success?**`);
    expect(await page.getByRole('status').innerText()).toContain('Paid');
  });

  it('before the payment is confirmed the success page says confirming, never paid, and turns paid when the server says so', async () => {
    const { sessionId, checkoutUrl } = await shop.checkout();
    await page.goto(`${shop.url}/success?session_id=${sessionId}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Confirming your payment…');
    expect(await page.getByRole('status').innerText()).not.toContain('Paid');
    await snap(page, 'success-confirming');
    // The buyer's payment completes elsewhere (as if the redirect was slow); the open page asks again and learns it.
    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    await page.getByRole('heading', { name: 'Thank you — your payment is confirmed' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('status').innerText()).toContain('Paid');
  });

  it('a bank debit shows processing, then the page updates itself to paid when the money arrives', async () => {
    await buyFieldNotes(1);
    await page.getByLabel('IBAN').fill('DE89370400440532013000');
    await page.locator('form', { has: page.getByLabel('IBAN') }).getByRole('button').click();
    await page.waitForURL(`${shop.url}/success?**`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your payment is processing');
    expect(await page.getByRole('status').innerText()).not.toContain('Paid');
    await snap(page, 'success-processing');
    shop.emulator.advanceClock(3600);
    // success.js asks the server again and reloads once the order's status has changed.
    await page.getByRole('heading', { name: 'Thank you — your payment is confirmed' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('status').innerText()).toContain('Paid');
  });

  it('a buyer can choose a quantity and pay using only the keyboard, with a visible focus ring', async () => {
    await page.goto(`${shop.url}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('qty-field-notes');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await page.keyboard.press('Tab');
    // Evaluated in the page (a string, since this file is compiled without the DOM's types).
    const outline = await page.evaluate('({ text: document.activeElement?.textContent, style: getComputedStyle(document.activeElement).outlineStyle })');
    expect(outline).toEqual({ text: 'Pay Now', style: 'solid' });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${shop.emulator.url}/**`);
    expect(await page.locator('#total').innerText()).toBe('$36.00');
  });

  it('cancel and an unknown access link explain themselves and lead back to the shop', async () => {
    await page.goto(`${shop.url}/cancel`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your order was not paid');
    await snap(page, 'cancel');
    const response = await page.goto(`${shop.url}/access/not-a-real-token-0000000`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('This access link is not valid');
    await page.getByRole('link', { name: 'Back to the shop' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Shop');
  });
});
