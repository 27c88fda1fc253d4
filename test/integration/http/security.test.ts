import { Redis } from 'ioredis';
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
    rateLimits?: { buyerPerMinute: number; webhookRejectedPerMinute: number; redis?: Redis },
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
    const url = await start({ buyerPerMinute: 5, webhookRejectedPerMinute: 1000 });
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

  function forgedEvent(id: string): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({ id, object: 'event', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { id: 'ch_1' } } });
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_notTheEndpoints' }) } };
  }

  const webhook = (url: string, request: { body: string; headers: Record<string, string> }): Promise<Response> =>
    fetch(`${url}/api/webhooks/stripe`, { method: 'POST', ...request });

  it('stores every verified delivery of a burst far past the webhook limit from one address, and answers each 200', async () => {
    const url = await start({ buyerPerMinute: 5, webhookRejectedPerMinute: 3 });
    const ids = Array.from({ length: 60 }, (_, i) => `evt_burst_${i}`);
    const statuses: number[] = [];
    for (let start = 0; start < ids.length; start += 20) {
      const answers = await Promise.all(ids.slice(start, start + 20).map((id) => webhook(url, signedEvent(id))));
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses).toEqual(ids.map(() => 200));
    for (const id of ids) expect(await ctx.store.inbox.get(id), id).toBeDefined();
  });

  it('answers refused webhook requests past the limit 429 rate_limited with Retry-After, and still stores a verified one from that address', async () => {
    const url = await start({ buyerPerMinute: 5, webhookRejectedPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await webhook(url, forgedEvent(`evt_forged_${i}`))).status);
    expect(statuses).toEqual([400, 400, 400]);

    const limited = await webhook(url, forgedEvent('evt_forged_3'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    const { error } = (await limited.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/try again in \d+ s/);

    const delivered = await webhook(url, signedEvent('evt_from_limited_address'));
    expect(delivered.status).toBe(200);
    expect(await ctx.store.inbox.get('evt_from_limited_address')).toBeDefined();
    // The verified delivery neither spent nor reset the limit.
    expect((await webhook(url, forgedEvent('evt_forged_4'))).status).toBe(429);
    expect(await ctx.store.inbox.get('evt_forged_4')).toBeUndefined();
  });

  it('steps aside when Redis is unreachable: refusals stay 400 past the limit and deliveries are stored', async () => {
    // Port 9 refuses connections; without an offline queue every count fails at once, as when Redis is down.
    const redis = new Redis({ host: '127.0.0.1', port: 9, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      const url = await start({ buyerPerMinute: 5, webhookRejectedPerMinute: 1, redis });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await webhook(url, forgedEvent(`evt_no_redis_${i}`))).status);
      expect(statuses).toEqual([400, 400, 400, 400]);
      expect((await webhook(url, signedEvent('evt_no_redis'))).status).toBe(200);
      expect(await ctx.store.inbox.get('evt_no_redis')).toBeDefined();
    } finally {
      redis.disconnect();
    }
  });

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
