import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { startShop, type Shop } from '../../support/shop.js';
import { ADMIN_TOKEN as TOKEN, noticeOf, signIn } from './admin-client.js';

describeEachStore('admin sign-in and form protection', (ctx) => {
  let shop: Shop;
  beforeEach(async () => {
    shop = await startShop({ store: ctx.store, adminToken: TOKEN });
  });
  afterEach(async () => {
    await shop.close();
  });

  it('an unauthenticated page request is sent to sign-in and an unauthenticated action is refused', async () => {
    const page = await fetch(`${shop.url}/admin/orders`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login');
    const action = await fetch(`${shop.url}/admin/events/evt_1/requeue`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
    expect(action.status).toBe(403);
  });

  it('a wrong token is refused; the right one gives an httpOnly SameSite=Strict session cookie scoped to /admin', async () => {
    const wrong = await fetch(`${shop.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope', redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const { setCookie, csrf, cookie } = await signIn(shop);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(csrf.length).toBeGreaterThan(20);
    expect((await fetch(`${shop.url}/admin/orders`, { headers: { cookie } })).status).toBe(200);
  });

  it('a forged or tampered cookie is not a session', async () => {
    const { cookie } = await signIn(shop);
    const tampered = cookie.replace(/=(\d)/, (_m, digit: string) => `=${(Number(digit) + 1) % 10}`);
    expect((await fetch(`${shop.url}/admin`, { headers: { cookie: tampered }, redirect: 'manual' })).status).toBe(303);
  });

  it('a signed-in form post without the CSRF token, or from another origin, changes nothing', async () => {
    const { cookie, csrf } = await signIn(shop);
    const post = (headers: Record<string, string>, body: string): Promise<Response> =>
      fetch(`${shop.url}/admin/events/evt_missing/requeue`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers }, body, redirect: 'manual' });
    expect((await post({}, 'csrf=wrong')).status).toBe(403);
    expect((await post({}, '')).status).toBe(403);
    expect((await post({ origin: 'http://evil.example' }, `csrf=${encodeURIComponent(csrf)}`)).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, `csrf=${encodeURIComponent(csrf)}`)).status).toBe(403);
    const ok = await post({ origin: shop.url, 'sec-fetch-site': 'same-origin' }, `csrf=${encodeURIComponent(csrf)}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/events');
    expect(noticeOf(ok)).toBe('not_requeued');
  });
});

describeEachStore('admin without a token', (ctx) => {
  it('the dashboard is off: it says how to turn it on and no token signs in', async () => {
    const shop = await startShop({ store: ctx.store });
    try {
      const page = await fetch(`${shop.url}/admin`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('Set ADMIN_TOKEN');
      const login = await fetch(`${shop.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=', redirect: 'manual' });
      expect(login.status).toBe(503);
      expect(login.headers.get('set-cookie')).toBeNull();
    } finally {
      await shop.close();
    }
  });
});
