import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled, type Settled, type SettledOptions } from '../../../src/settled.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { startShop, type Shop } from '../../support/shop.js';
import { demoCatalog } from '../../support/catalog.js';
import { payOnHostedPage } from '../../support/hosted-page.js';
import { describeEachStore } from '../../support/stores.js';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachStore('reconciliation inside the process', (ctx) => {
  let shop: Shop | undefined;
  let settled: Settled | undefined;
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await shop?.close();
    await settled?.close();
    await emulator?.close();
    shop = undefined;
    settled = undefined;
    emulator = undefined;
  });

  /** No webhook endpoint is registered for these: Stripe's word reaches them only by reconciling. */
  const deafOptions = (stripe: Stripe, extra: Partial<SettledOptions>): SettledOptions => ({
    store: ctx.store,
    stripe,
    webhookSecrets: [],
    catalog: demoCatalog(),
    orderRefSecret: 'test-order-ref-secret-0123456789abcdef',
    publicUrl: 'http://127.0.0.1:9',
    logger: createLogger({ level: 'silent' }),
    worker: { pollIntervalMs: 25 },
    ...extra,
  });

  async function deafSettled(extra: Partial<SettledOptions>): Promise<{ settled: Settled; stripe: Stripe; pay: (card?: string) => Promise<string> }> {
    emulator = await startEmulator({});
    const stripe = createStripeClient({ secretKey: 'sk_test_deaf', apiBase: emulator.url });
    const app = await createSettled(deafOptions(stripe, extra));
    settled = app;
    const pay = async (card = '4242424242424242'): Promise<string> => {
      const created = await app.app.inject({ method: 'POST', url: '/api/checkout', payload: { items: [{ sku: 'field-notes', quantity: 1 }] } });
      const { orderId, checkoutUrl } = created.json<{ orderId: string; checkoutUrl: string }>();
      await payOnHostedPage(checkoutUrl, card);
      return orderId;
    };
    return { settled: app, stripe, pay };
  }

  it('serve reconciles on a timer: an order whose webhook never came is paid without anyone asking', async () => {
    const deaf = await deafSettled({ reconcile: { intervalMs: 50, staleAfterMs: 0 } });
    deaf.settled.start();
    const orderId = await deaf.pay();
    const order = await until(() => ctx.store.orders.get(orderId), (o) => o?.status === 'paid');
    expect(order).toMatchObject({ status: 'paid', entitlement: 'active' });
    // The order is committed paid a moment before its inbox row is marked processed with the order's id.
    const [event] = await until(async () => (await ctx.store.inbox.list({ limit: 10 })).filter((e) => e.orderId === orderId), (events) => events.length > 0);
    expect(event?.source).toBe('reconcile');
  });

  it("reconcile.pageSize sets how many events each Events API page asks for", async () => {
    const deaf = await deafSettled({ reconcile: { pageSize: 2, staleAfterMs: 0 } });
    deaf.settled.start();
    await deaf.pay();
    await deaf.pay();
    const pages: string[] = [];
    deaf.stripe.on('request', (request: { method: string; path: string }) => {
      if (request.path.startsWith('/v1/events')) pages.push(request.path);
    });
    const report = await deaf.settled.reconcile();
    expect(report.eventsSeen).toBeGreaterThan(2);
    // With the default of 100 a page, these few events would be one request.
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(report.eventsSeen / 2));
  });

  it('processes that all reconcile on a timer take turns through a lease: one runs, the others skip, one takes over when it stops', async () => {
    emulator = await startEmulator({});
    const stripe = createStripeClient({ secretKey: 'sk_test_turns', apiBase: emulator.url });
    // A stopped clock: a lease never runs out on its own here, so who holds it depends only on the lease logic.
    const frozen = Date.now();
    const start = () => createSettled(deafOptions(stripe, { now: () => frozen, reconcile: { intervalMs: 40 } }));
    const instances = [await start(), await start()];
    const runs = async (instance: Settled, outcome: string): Promise<number> => {
      const metric = await instance.metrics.registry.getSingleMetric('settled_reconciler_runs_total')?.get();
      return metric?.values.find((value) => value.labels['outcome'] === outcome)?.value ?? 0;
    };
    const ticks = async (instance: Settled) => (await runs(instance, 'ok')) + (await runs(instance, 'skipped')) + (await runs(instance, 'failed'));
    try {
      for (const instance of instances) instance.start();
      await until(async () => Math.min(...(await Promise.all(instances.map(ticks)))), (fewest) => fewest >= 4);
      const ran = await Promise.all(instances.map((instance) => runs(instance, 'ok')));
      const skipped = await Promise.all(instances.map((instance) => runs(instance, 'skipped')));
      const holder = ran[0]! > 0 ? 0 : 1;
      const other = 1 - holder;
      expect(ran[holder]).toBeGreaterThanOrEqual(4);
      expect(skipped[holder]).toBe(0);
      expect(ran[other]).toBe(0);
      expect(skipped[other]).toBeGreaterThanOrEqual(4);

      await instances[holder]!.close();
      const takenOver = await until(() => runs(instances[other]!, 'ok'), (count) => count >= 2);
      expect(takenOver).toBeGreaterThanOrEqual(2);
    } finally {
      for (const instance of instances) await instance.close();
    }
  });

  it('revalidation applies what Stripe says now, not what a validly signed body claims', async () => {
    const deaf = await deafSettled({ revalidate: true, webhookSecrets: ['whsec_revalidation0test'], reconcile: { staleAfterMs: 0 } });
    deaf.settled.start();
    const created = await deaf.settled.app.inject({ method: 'POST', url: '/api/checkout', payload: { items: [{ sku: 'field-notes', quantity: 1 }] } });
    const { orderId, sessionId } = created.json<{ orderId: string; sessionId: string }>();
    const session = await deaf.stripe.checkout.sessions.retrieve(sessionId);
    // A body signed with a leaked secret, claiming the still-open session was paid.
    const forged = JSON.stringify({
      id: 'evt_forged_1',
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'checkout.session.completed',
      data: { object: { ...session, status: 'complete', payment_status: 'paid' } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      api_version: null,
    });
    const header = Stripe.webhooks.generateTestHeaderString({ payload: forged, secret: 'whsec_revalidation0test' });
    const answer = await deaf.settled.app.inject({ method: 'POST', url: '/api/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: forged });
    expect(answer.statusCode).toBe(200);
    const row = await until(() => ctx.store.inbox.get('evt_forged_1'), (e) => e?.status === 'ignored' || e?.status === 'processed');
    expect(row?.status).toBe('ignored');
    expect(row?.outcome).toContain('revalidation');
    expect((await ctx.store.orders.get(orderId))?.status).toBe('pending');

    // A real payment, re-read from Stripe in the same way, still pays.
    const paidId = await deaf.pay();
    const report = await deaf.settled.reconcile();
    expect(report.ordersHealed).toContain(paidId);
    expect((await ctx.store.orders.get(paidId))?.status).toBe('paid');
  });

  it('revalidation rides out Stripe answering 429 and still applies the payment', async () => {
    const deaf = await deafSettled({ revalidate: true, reconcile: { staleAfterMs: 0, retry: { baseDelayMs: 5, maxDelayMs: 20 } } });
    deaf.settled.start();
    const orderId = await deaf.pay();
    emulator!.failNext(429, 2, '/v1/checkout/sessions');
    const report = await deaf.settled.reconcile();
    expect(report.ordersHealed).toEqual([orderId]);
    expect((await ctx.store.orders.get(orderId))?.status).toBe('paid');
  });

  it('every request to the webhook endpoint lands in the delivery log: stored, duplicate and rejected', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, checkoutUrl } = await shop.checkout();
    await shop.pay(checkoutUrl, '4242424242424242');
    await shop.quiesce();
    const stored = await until(() => ctx.store.deliveryLog.list({ limit: 50, outcome: 'stored' }), (rows) => rows.length >= 2);
    const completed = stored.find((d) => d.eventType === 'checkout.session.completed');
    expect(completed).toMatchObject({ sourceAddress: '127.0.0.1', reason: null });
    expect(completed?.signatureHeader).toMatch(/^t=\d+,v1=/);
    // The delivery keeps no second copy of the body: it is the event's payload in the inbox.
    const body = (await ctx.store.inbox.get(completed?.eventId ?? ''))?.payload ?? '';
    expect(body).toContain(orderId);
    const resend = (signature: string) =>
      fetch(`${shop!.url}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
    expect((await resend(Stripe.webhooks.generateTestHeaderString({ payload: body, secret: shop.webhookSecret }))).status).toBe(200);
    expect((await resend(Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong' }))).status).toBe(400);
    const stale = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: shop.webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await resend(stale)).status).toBe(400);

    const forEvent = await until(() => ctx.store.deliveryLog.list({ limit: 50, eventId: completed?.eventId ?? '' }), (rows) => rows.length >= 4);
    expect(forEvent.map((d) => [d.outcome, d.reason])).toEqual([
      ['rejected', 'stale_timestamp'],
      ['rejected', 'signature_mismatch'],
      ['duplicate', null],
      ['stored', null],
    ]);
    for (const rejected of forEvent.filter((d) => d.outcome === 'rejected')) {
      expect(rejected).toMatchObject({ signatureHeader: null, eventType: 'checkout.session.completed' });
    }
  });
});
