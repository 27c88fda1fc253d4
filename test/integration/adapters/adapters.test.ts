import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { payOnHostedPage } from '../../support/hosted-page.js';
import { describeEachStore } from '../../support/stores.js';
import { ADAPTER_KINDS, startHost, type Host } from './hosts.js';

async function buy(host: Host): Promise<{ orderId: string; sessionId: string }> {
  const started = await host.request('POST', '/api/checkout', { items: [{ sku: 'field-notes', quantity: 1 }] });
  expect(started.status).toBe(201);
  const { orderId, sessionId, checkoutUrl } = started.body as { orderId: string; sessionId: string; checkoutUrl: string };
  expect((await payOnHostedPage(checkoutUrl)).status).toBe(303);
  await host.quiesce();
  return { orderId, sessionId };
}

function fulfilled(host: Host, orderId: string): number {
  return host.notices.filter((notice) => notice.kind === 'order.fulfilled' && notice.orderId === orderId).length;
}

async function postWebhook(host: Host, payload: string, signature: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${host.url}/api/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(ADAPTER_KINDS)('settled mounted through the %s adapter', (kind) => {
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('a purchase paid on the hosted page ends with the order paid and fulfilled once', async () => {
    host = await startHost(kind);
    const { orderId } = await buy(host);
    const order = await host.request('GET', `/api/orders/${orderId}`);
    expect(order).toMatchObject({ status: 200, body: { id: orderId, status: 'paid' } });
    expect(fulfilled(host, orderId)).toBe(1);
    const deliveries = await host.emulator.deliveries();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((delivery) => delivery.status === 200)).toBe(true);
  });

  it('the same event delivered again is acknowledged as a duplicate and fulfills nothing more', async () => {
    host = await startHost(kind);
    const { orderId } = await buy(host);
    const events = await host.stripe.events.list({ type: 'checkout.session.completed' });
    const event = events.data[0];
    expect(event).toBeDefined();
    // Pretty-printed, as Stripe sends it: a re-serialized body would not match this signature.
    const payload = JSON.stringify(event, null, 2);
    const signature = host.stripe.webhooks.generateTestHeaderString({ payload, secret: host.webhookSecret });
    expect(await postWebhook(host, payload, signature)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect(await postWebhook(host, payload, signature)).toEqual({ status: 200, body: { received: true, duplicate: true } });
    await host.quiesce();
    expect(fulfilled(host, orderId)).toBe(1);
  });

  it('an event signed with the wrong secret is refused with 400 and nothing is stored', async () => {
    host = await startHost(kind);
    const payload = JSON.stringify({ id: 'evt_forged_1', object: 'event', type: 'checkout.session.completed', data: { object: {} } }, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_real_one' });
    const answer = await postWebhook(host, payload, signature);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: expect.any(String) as unknown } });
    expect(await host.store.inbox.get('evt_forged_1')).toBeUndefined();
  });

  it('a refund made in Stripe ends with the order refunded', async () => {
    host = await startHost(kind);
    const { orderId, sessionId } = await buy(host);
    const session = await host.stripe.checkout.sessions.retrieve(sessionId);
    await host.stripe.refunds.create({ payment_intent: String(session.payment_intent) });
    await host.quiesce();
    expect(await host.request('GET', `/api/orders/${orderId}`)).toMatchObject({ status: 200, body: { status: 'refunded' } });
    expect(host.notices.map((notice) => notice.kind)).toEqual(['order.fulfilled', 'entitlement.revoked']);
  });

  it('a malformed checkout is refused with the same error shape', async () => {
    host = await startHost(kind);
    const answer = await host.request('POST', '/api/checkout', { items: [] });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});

// The access page reads the order through the store: checked on SQLite and PostgreSQL, through every adapter.
describe.each(ADAPTER_KINDS)('the access link through the %s adapter', (kind) => {
  describeEachStore(`the ${kind} adapter's access page`, (ctx) => {
    let host: Host | undefined;
    afterEach(async () => {
      await host?.close();
      host = undefined;
    });

    it('the order\'s access link opens the purchase through the adapter; a made-up token is refused', async () => {
      host = await startHost(kind, { store: ctx.store });
      const { orderId } = await buy(host);
      const order = await host.request('GET', `/api/orders/${orderId}`);
      const accessUrl = String(order.body['accessUrl']);
      expect(accessUrl).toMatch(new RegExp(`^${host.url}/access/[A-Za-z0-9_-]{16,64}$`));
      const page = await fetch(accessUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('Field Notes on Quiet Software');
      // Its stylesheet is relative, so it is found below the mount point too.
      expect(html).toContain('href="../assets/settled.css"');
      const stylesheet = await fetch(new URL('../assets/settled.css', accessUrl));
      expect([stylesheet.status, stylesheet.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
      expect((await fetch(`${host.url}/access/not-a-real-token-at-all`)).status).toBe(404);
      expect(host.notices.find((notice) => notice.kind === 'order.fulfilled')?.accessUrl).toBe(accessUrl);
    });
  });
});
