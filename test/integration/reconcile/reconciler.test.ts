import { afterEach, expect, it } from 'vitest';
import { reconcile, waitForWorker, type ReconcileSettings } from '../../../src/reconcile/index.js';
import { startShop, type Shop } from '../../support/shop.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

const SETTINGS: ReconcileSettings = { lookbackSeconds: 3600, overlapSeconds: 60, staleAfterMs: 0, sweepLimit: 100 };

function runReconcile(shop: Shop, settings: ReconcileSettings = SETTINGS, now: () => number = Date.now) {
  const { store, worker, gateway } = shop.settled;
  return reconcile({ store, gateway, now, processEvents: waitForWorker(store, () => worker.notify(), { timeoutMs: 10_000 }) }, settings);
}

async function paidWhileDeaf(shop: Shop, card = '4242424242424242'): Promise<{ orderId: string; paymentIntentId: string }> {
  const { orderId, sessionId, checkoutUrl } = await shop.checkout([{ sku: 'sourdough-guide', quantity: 1 }]);
  expect((await shop.pay(checkoutUrl, card)).status).toBe(303);
  const session = await shop.stripe.checkout.sessions.retrieve(sessionId);
  return { orderId, paymentIntentId: String(session.payment_intent) };
}

describeEachStore('reconciler', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('heals purchases, refunds and expiries whose webhooks never arrived, and a second run changes nothing', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const paid = await paidWhileDeaf(shop);
    const refunded = await paidWhileDeaf(shop);
    await shop.stripe.refunds.create({ payment_intent: refunded.paymentIntentId, amount: 500 });
    const abandoned = await shop.checkout();
    await shop.stripe.checkout.sessions.expire(abandoned.sessionId);
    await shop.quiesce();
    for (const id of [paid.orderId, refunded.orderId, abandoned.orderId]) expect((await ctx.store.orders.get(id))?.status).toBe('pending');

    const first = await runReconcile(shop);
    expect(first.missing).toBeGreaterThanOrEqual(4);
    expect(first.eventsSeen).toBe(first.missing);
    expect(first.applied).toBeGreaterThanOrEqual(3);
    expect(first.stillProcessing).toBe(0);
    expect(first.ordersHealed).toEqual([paid.orderId, refunded.orderId, abandoned.orderId].sort());
    expect(first.drift).toEqual([]);
    await shop.quiesce();
    expect(await ctx.store.orders.get(paid.orderId)).toMatchObject({ status: 'paid', entitlement: 'active' });
    expect(await ctx.store.orders.get(refunded.orderId)).toMatchObject({ status: 'partially_refunded', amountRefunded: 500 });
    expect((await ctx.store.orders.get(abandoned.orderId))?.status).toBe('expired');
    expect(await fulfillments(ctx, paid.orderId)).toBe(1);
    expect(await fulfillments(ctx, refunded.orderId)).toBe(1);
    expect(await fulfillments(ctx, abandoned.orderId)).toBe(0);
    const sources = (await ctx.store.inbox.list({ limit: 50 })).map((event) => event.source);
    expect(new Set(sources)).toEqual(new Set(['reconcile']));

    const second = await runReconcile(shop);
    expect(second).toMatchObject({ missing: 0, applied: 0, ordersHealed: [], drift: [] });
    expect(second.eventsSeen).toBeGreaterThan(0);
    await shop.quiesce();
    expect(shop.notices.filter((n) => n.kind === 'order.fulfilled').map((n) => n.orderId).sort()).toEqual([paid.orderId, refunded.orderId].sort());
  });

  it('keeps a cursor: the next run reads events from the newest one seen, minus the overlap', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    await paidWhileDeaf(shop);
    shop.emulator.advanceClock(120);
    await paidWhileDeaf(shop);
    const first = await runReconcile(shop, { ...SETTINGS, overlapSeconds: 60 });
    expect(first.eventsSeen).toBe(4);
    expect(Number(await ctx.store.settings.get('reconcile.events_cursor'))).toBe(first.cursorSeconds);
    shop.emulator.advanceClock(120);
    const third = await paidWhileDeaf(shop);
    // The first purchase is 240 s older than the cursor's next start; the second is inside the 60 s overlap.
    const second = await runReconcile(shop, { ...SETTINGS, overlapSeconds: 60 });
    expect(second.eventsSeen).toBe(4);
    expect(second.missing).toBe(2);
    expect(second.ordersHealed).toEqual([third.orderId]);
    expect(second.cursorSeconds).toBeGreaterThanOrEqual((first.cursorSeconds ?? 0) + 120);
  });

  it('pages through the Events API with starting_after until Stripe has no more', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const orders = [await paidWhileDeaf(shop), await paidWhileDeaf(shop), await paidWhileDeaf(shop)];
    const fractions: number[] = [];
    const { store, worker, gateway } = shop.settled;
    const report = await reconcile(
      { store, gateway, now: Date.now, processEvents: waitForWorker(store, () => worker.notify(), { timeoutMs: 10_000 }), onProgress: (phase, done, total) => void (phase === 'events' && fractions.push(done / total)) },
      { ...SETTINGS, pageSize: 2 },
    );
    expect(report.eventsSeen).toBe(6);
    expect(report.ordersHealed).toEqual(orders.map((o) => o.orderId).sort());
    expect(fractions.length).toBeGreaterThanOrEqual(3);
    expect(fractions[fractions.length - 1]).toBe(1);
  });

  it('the sweep asks Stripe about orders pending too long: a paid session pays, an expired one expires', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const paid = await paidWhileDeaf(shop);
    const abandoned = await shop.checkout();
    await shop.stripe.checkout.sessions.expire(abandoned.sessionId);
    const open = await shop.checkout();
    // A cursor an hour ahead leaves the Events API window empty, so only the sweep can heal these orders.
    await ctx.store.settings.set('reconcile.events_cursor', String(Math.floor(Date.now() / 1000) + 3600));
    const created = (await ctx.store.orders.get(open.orderId))?.createdAt ?? 0;
    while (Date.now() <= created + 1) await new Promise((resolve) => setImmediate(resolve));
    const report = await runReconcile(shop, { ...SETTINGS, staleAfterMs: 1 });
    expect(report.eventsSeen).toBe(0);
    expect(report.ordersSwept).toBe(3);
    expect(report.ordersHealed).toEqual([paid.orderId, abandoned.orderId].sort());
    expect((await ctx.store.orders.get(paid.orderId))?.status).toBe('paid');
    expect((await ctx.store.orders.get(abandoned.orderId))?.status).toBe('expired');
    expect((await ctx.store.orders.get(open.orderId))?.status).toBe('pending');
    expect(report.drift).toEqual([]);
    expect(await fulfillments(ctx, paid.orderId)).toBe(1);
  });

  it('a dispute missed and then won is healed to disputed and back to paid, and neither is drift', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const disputed = await paidWhileDeaf(shop, '4000000000000259');
    const first = await runReconcile(shop, { ...SETTINGS, overlapSeconds: 3600 });
    expect((await ctx.store.orders.get(disputed.orderId))?.status).toBe('disputed');
    expect(first.drift).toEqual([]);

    const [dispute] = (await shop.stripe.disputes.list({ limit: 1 })).data;
    await shop.stripe.disputes.update(dispute!.id, { evidence: { uncategorized_text: 'winning_evidence' }, submit: true });
    const second = await runReconcile(shop, { ...SETTINGS, overlapSeconds: 3600 });
    expect(second.ordersHealed).toEqual([disputed.orderId]);
    expect((await ctx.store.orders.get(disputed.orderId))?.status).toBe('paid');
    expect(second.drift).toEqual([]);
    expect(await fulfillments(ctx, disputed.orderId)).toBe(1);
  });

  it('reports as drift, with both sides, orders Stripe has paid that are still pending here', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    await shop.settled.worker.stop();
    const paid = await paidWhileDeaf(shop);
    const { store, gateway } = shop.settled;
    const inAnHour = (): number => Date.now() + 3_600_000;
    const report = await reconcile({ store, gateway, now: inAnHour, processEvents: async () => undefined }, { ...SETTINGS, lookbackSeconds: 1, staleAfterMs: 60_000 });
    expect(report.missing).toBe(1);
    expect(report.stillProcessing).toBe(1);
    expect(report.drift).toHaveLength(1);
    expect(report.drift[0]).toMatchObject({ orderId: paid.orderId, here: { status: 'pending', amountRefunded: 0 }, stripe: { status: 'paid' } });
    expect(report.drift[0]?.stripe.detail).toContain('complete/paid');
  });

  it('backs off and retries when Stripe answers 429 while listing events', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const paid = await paidWhileDeaf(shop);
    shop.emulator.failNext(429, 2, '/v1/events');
    const report = await runReconcile(shop, { ...SETTINGS, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    expect(report.ordersHealed).toEqual([paid.orderId]);
  });

  it('deletes delivery-log rows and counted rejections older than the retention, and keeps the newer ones', async () => {
    shop = await startShop({ store: ctx.store });
    const now = Date.now();
    const day = 86_400_000;
    const rejected = { sourceAddress: '203.0.113.9', outcome: 'rejected' as const, reason: 'signature_mismatch', eventId: null, eventType: null, signatureHeader: null };
    await ctx.store.deliveryLog.recordMany([
      { ...rejected, receivedAt: now - 15 * day },
      { ...rejected, receivedAt: now - day },
    ]);
    await ctx.store.rejectionCounts.add([
      { minuteStart: now - 15 * day, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 500 },
      { minuteStart: now - 15 * day, sourceAddress: 'other', reason: 'signature_mismatch', requests: 9000 },
      { minuteStart: now - day, sourceAddress: '203.0.113.9', reason: 'signature_mismatch', requests: 40 },
    ]);
    const report = await runReconcile(shop, { ...SETTINGS, deliveryLogRetentionMs: 14 * day }, () => now);
    expect(report).toMatchObject({ deliveriesPruned: 1, rejectionCountsPruned: 2 });
    expect((await ctx.store.deliveryLog.list({ limit: 10 })).map((row) => row.receivedAt)).toEqual([now - day]);
    expect((await ctx.store.rejectionCounts.totals({ limit: 10 })).map((total) => [total.sourceAddress, total.requests])).toEqual([['203.0.113.9', 40]]);
  });
});
