import { afterEach, expect, it } from 'vitest';
import { computeOrderRef } from '../../../src/domain/order-ref.js';
import { startShop, type Shop } from '../../support/shop.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

const ORDER_REF_SECRET = 'test-order-ref-secret-0123456789abcdef';

describeEachStore('confirmation without webhooks, and the PaymentIntent flow', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('with webhooks switched off the success page alone fulfills; the late webhook changes nothing', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const { orderId, sessionId, checkoutUrl } = await shop.checkout();
    await shop.pay(checkoutUrl, '4242424242424242');

    const verified = await shop.api<{ verified: boolean; order: Record<string, unknown> }>('POST', '/api/payments/verify', { sessionId });
    expect(verified.status).toBe(200);
    expect(verified.body.verified).toBe(true);
    expect(verified.body.order).toMatchObject({ id: orderId, status: 'paid' });
    expect(String(verified.body.order['accessUrl'])).toMatch(/\/access\/[A-Za-z0-9_-]+$/);
    expect(await fulfillments(ctx, orderId)).toBe(1);

    const page = await fetch(`${shop.url}/success?session_id=${sessionId}`);
    expect(await page.text()).toContain('payment is confirmed');

    shop.emulator.resumeWebhooks();
    await shop.quiesce();
    expect(await fulfillments(ctx, orderId)).toBe(1);
    expect(shop.notices.filter((n) => n.kind === 'order.fulfilled')).toHaveLength(1);
    expect((await shop.order(orderId))['status']).toBe('paid');
  });

  it('verify before paying reports not verified and leaves the order pending', async () => {
    shop = await startShop({ store: ctx.store });
    shop.emulator.pauseWebhooks();
    const { orderId, sessionId } = await shop.checkout();
    const early = await shop.api<{ verified: boolean; order: Record<string, unknown> }>('POST', '/api/payments/verify', { sessionId });
    expect(early.body).toMatchObject({ verified: false, order: { id: orderId, status: 'pending' } });
    expect(early.body.order['accessUrl']).toBeUndefined();
  });

  it('verify refuses objects this shop did not create and malformed bodies', async () => {
    shop = await startShop({ store: ctx.store });
    const foreign = await shop.stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://elsewhere.test/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } } }],
    });
    const unknown = await shop.api<{ error: { code: string } }>('POST', '/api/payments/verify', { sessionId: foreign.id });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_payment');
    for (const body of [{}, { sessionId: 'cs test with spaces' }, { sessionId: 'cs_test_1', extra: true }, { sessionId: 5 }]) {
      const bad = await shop.api<{ error: { code: string } }>('POST', '/api/payments/verify', body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_request');
    }
  });

  it('the PaymentIntent flow: created from the catalog, confirmed with pm_card_visa, paid once', async () => {
    shop = await startShop({ store: ctx.store });
    const created = await shop.api<{ orderId: string; paymentIntentId: string; clientSecret: string }>('POST', '/api/payment-intents', {
      items: [{ sku: 'lofi-pack', quantity: 3 }],
    });
    expect(created.status).toBe(201);
    expect(created.body.clientSecret).toContain(created.body.paymentIntentId);
    const intent = await shop.stripe.paymentIntents.retrieve(created.body.paymentIntentId);
    expect(intent).toMatchObject({ amount: 2697, currency: 'usd', metadata: { order_id: created.body.orderId } });

    await shop.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await shop.quiesce();
    expect((await shop.order(created.body.orderId))['status']).toBe('paid');
    expect(await fulfillments(ctx, created.body.orderId)).toBe(1);
    const verified = await shop.api<{ verified: boolean }>('POST', '/api/payments/verify', { paymentIntentId: intent.id });
    expect(verified.body.verified).toBe(true);
    expect(await fulfillments(ctx, created.body.orderId)).toBe(1);
  });

  it('a payment whose amount, currency or order_ref does not match parks the order in needs_review, unfulfilled', async () => {
    shop = await startShop({ store: ctx.store });
    const cases = [
      { label: 'amount', amount: 1, currency: 'usd', forgeRef: false, expect: /amount/ },
      { label: 'currency', amount: 1200, currency: 'eur', forgeRef: false, expect: /currency|eur/ },
      { label: 'order_ref', amount: 1200, currency: 'usd', forgeRef: true, expect: /order_ref/ },
    ];
    for (const c of cases) {
      const { orderId } = await shop.checkout([{ sku: 'field-notes', quantity: 1 }]);
      const rightRef = computeOrderRef(ORDER_REF_SECRET, orderId, { amount: 1200, currency: 'usd' });
      const metadata = { order_id: orderId, order_ref: c.forgeRef ? rightRef.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) : rightRef };
      // A session made outside settled that claims to be for this order.
      const rogue = await shop.stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'http://elsewhere.test/ok',
        line_items: [{ quantity: 1, price_data: { currency: c.currency, unit_amount: c.amount, product_data: { name: 'rogue' } } }],
        metadata,
        payment_intent_data: { metadata },
      });
      await shop.pay(rogue.url!, '4242424242424242');
      await shop.quiesce();
      const order = await shop.order(orderId);
      expect(order['status'], c.label).toBe('needs_review');
      expect(String(order['reviewReason']), c.label).toMatch(c.expect);
      expect(order['accessUrl'], c.label).toBeUndefined();
      expect(await fulfillments(ctx, orderId), c.label).toBe(0);
    }
    expect(shop.notices).toHaveLength(0);
  });
});
