import { afterEach, expect, it } from 'vitest';
import { startShop, type Shop } from '../../support/shop.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

async function paidOrder(shop: Shop, card = '4242424242424242'): Promise<{ orderId: string; sessionId: string; accessUrl: string; paymentIntentId: string }> {
  const { orderId, sessionId, checkoutUrl } = await shop.checkout([{ sku: 'sourdough-guide', quantity: 1 }]);
  await shop.pay(checkoutUrl, card);
  await shop.quiesce();
  const order = await shop.settled.store.orders.get(orderId);
  const session = await shop.stripe.checkout.sessions.retrieve(sessionId);
  return { orderId, sessionId, accessUrl: `${shop.url}/access/${order?.accessToken}`, paymentIntentId: String(session.payment_intent) };
}

describeEachStore('after the payment: refunds and disputes', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('a partial refund keeps access; the rest of the refund revokes it', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, accessUrl, paymentIntentId } = await paidOrder(shop);

    await shop.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 500 });
    await shop.quiesce();
    expect(await shop.order(orderId)).toMatchObject({ status: 'partially_refunded', amountRefunded: 500 });
    expect((await fetch(accessUrl)).status).toBe(200);

    await shop.stripe.refunds.create({ payment_intent: paymentIntentId });
    await shop.quiesce();
    expect(await shop.order(orderId)).toMatchObject({ status: 'refunded', amountRefunded: 1900 });
    expect((await fetch(accessUrl)).status).toBe(410);
    expect(shop.notices.map((n) => n.kind)).toEqual(['order.fulfilled', 'entitlement.revoked']);
    expect(await fulfillments(ctx, orderId)).toBe(1);
  });

  it('a dispute revokes access; winning it restores access', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, accessUrl } = await paidOrder(shop, '4000000000000259');
    expect((await shop.order(orderId))['status']).toBe('disputed');
    expect((await fetch(accessUrl)).status).toBe(410);

    const [dispute] = (await shop.stripe.disputes.list({ limit: 1 })).data;
    await shop.stripe.disputes.update(dispute!.id, { evidence: { uncategorized_text: 'winning_evidence' }, submit: true });
    await shop.quiesce();
    expect((await shop.order(orderId))['status']).toBe('paid');
    expect((await fetch(accessUrl)).status).toBe(200);
    expect(await fulfillments(ctx, orderId)).toBe(1);
  });

  it('a lost dispute ends dispute_lost with access revoked', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, accessUrl } = await paidOrder(shop, '4000000000000259');
    const [dispute] = (await shop.stripe.disputes.list({ limit: 1 })).data;
    await shop.stripe.disputes.close(dispute!.id);
    await shop.quiesce();
    expect((await shop.order(orderId))['status']).toBe('dispute_lost');
    expect((await fetch(accessUrl)).status).toBe(410);
  });
});
