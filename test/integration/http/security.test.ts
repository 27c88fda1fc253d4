import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { describeEachStore } from '../../support/stores.js';

const SECRET = 'whsec_securityTestSecr';
const signer = new Stripe('sk_test_signer');
let settled: Settled | undefined;

afterEach(async () => {
  await settled?.close();
  settled = undefined;
});

describeEachStore('security headers and rate limits', (ctx) => {
  async function start(
    rateLimits?: { buyerPerMinute: number; webhookPerMinute: number },
    extra: { webhookSources?: readonly string[]; trustProxy?: boolean } = {},
  ): Promise<string> {
    settled = await createSettled(intakeOnlyOptions(ctx.store, SECRET, { ...(rateLimits ? { rateLimits } : {}), ...extra }));
    return listenOnLoopback(settled);
  }

  it('sends a strict CSP, no framing, nosniff and a referrer policy on pages and APIs', async () => {
    const url = await start();
    for (const path of ['/', '/api/catalog', '/cancel', '/nowhere']) {
      const response = await fetch(`${url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("script-src 'self' 'unsafe-inline'");
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(response.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
    }
  });

  it('limits buyer requests per address with a 429 in our error shape, and the webhook separately', async () => {
    const url = await start({ buyerPerMinute: 5, webhookPerMinute: 1000 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${url}/api/catalog`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await fetch(`${url}/api/orders/ord_AAAAAAAAAAAAAAAAAAAAAA`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

    // A buyer flood does not stop Stripe's deliveries.
    const body = JSON.stringify({ id: 'evt_after_flood', object: 'event', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { id: 'ch_1' } } });
    const delivered = await fetch(`${url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) },
      body,
    });
    expect(delivered.status).toBe(200);
    expect(await ctx.store.inbox.get('evt_after_flood')).toBeDefined();
  });

  function signedEvent(id: string): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({ id, object: 'event', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { id: 'ch_1' } } });
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) } };
  }

  it("the webhook's answers, read only by Stripe's servers, carry nosniff and none of the browser policies", async () => {
    const url = await start();
    const stored = await fetch(`${url}/api/webhooks/stripe`, { method: 'POST', ...signedEvent('evt_headers') });
    const refused = await fetch(`${url}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([stored.status, refused.status]).toEqual([200, 400]);
    for (const response of [stored, refused]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('content-security-policy')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
    // Anything else at that address (a browser's GET, say) is answered like every other page.
    const browsing = await fetch(`${url}/api/webhooks/stripe`);
    expect(browsing.status).toBe(404);
    expect(browsing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('with an allow-list, a correctly signed event from elsewhere is refused with 403 and not stored', async () => {
    const url = await start(undefined, { webhookSources: ['10.1.2.3', '192.168.0.0/16'] });
    const refused = await fetch(`${url}/api/webhooks/stripe`, { method: 'POST', ...signedEvent('evt_outsider') });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('source_not_allowed');
    expect(await ctx.store.inbox.get('evt_outsider')).toBeUndefined();
  });

  it('with an allow-list that names the sender, the event is stored', async () => {
    const url = await start(undefined, { webhookSources: ['127.0.0.0/8'] });
    expect((await fetch(`${url}/api/webhooks/stripe`, { method: 'POST', ...signedEvent('evt_insider') })).status).toBe(200);
    expect(await ctx.store.inbox.get('evt_insider')).toBeDefined();
  });

  it('believes X-Forwarded-For only when told to trust the proxy', async () => {
    const viaProxy = (id: string): RequestInit => {
      const event = signedEvent(id);
      return { method: 'POST', body: event.body, headers: { ...event.headers, 'x-forwarded-for': '3.18.12.63' } };
    };
    const untrusting = await start(undefined, { webhookSources: ['3.18.12.63'] });
    expect((await fetch(`${untrusting}/api/webhooks/stripe`, viaProxy('evt_forged_forward'))).status).toBe(403);
    await settled?.close();
    const trusting = await start(undefined, { webhookSources: ['3.18.12.63'], trustProxy: true });
    expect((await fetch(`${trusting}/api/webhooks/stripe`, viaProxy('evt_forwarded'))).status).toBe(200);
  });
});
