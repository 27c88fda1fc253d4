import { afterEach, expect, it } from 'vitest';
import { startShop, type Shop } from '../../support/shop.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

describeEachStore('checkout with each test card', (ctx) => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('4242 pays: the order is paid, fulfilled once and its access page serves the purchase', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, checkoutUrl } = await shop.checkout([{ sku: 'field-notes', quantity: 2 }]);
    expect(await shop.order(orderId)).toMatchObject({ status: 'pending', amountTotal: 2400, currency: 'usd' });

    const paid = await shop.pay(checkoutUrl, '4242 4242 4242 4242');
    expect(paid.status).toBe(303);
    expect(paid.location).toContain(`${shop.url}/success?session_id=cs_test_`);
    await shop.quiesce();

    const order = await shop.order(orderId);
    expect(order).toMatchObject({ status: 'paid', amountRefunded: 0, reviewReason: null });
    expect(order['paidAt']).toEqual(expect.any(String));
    expect(await fulfillments(ctx, orderId)).toBe(1);
    expect(shop.notices.filter((n) => n.kind === 'order.fulfilled').map((n) => [n.orderId, n.idempotencyKey])).toEqual([[orderId, orderId]]);

    const access = await fetch(String(order['accessUrl']));
    expect(access.status).toBe(200);
    expect(await access.text()).toContain('Field Notes on Quiet Software');
  });

  it('a declined card leaves the order unpaid; a retry with 4242 on the same page pays it', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, checkoutUrl } = await shop.checkout();
    const declined = await shop.pay(checkoutUrl, '4000000000000002');
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('declined');
    await shop.quiesce();
    expect((await shop.order(orderId))['status']).toBe('payment_failed');

    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    expect((await shop.order(orderId))['status']).toBe('paid');
    expect(await fulfillments(ctx, orderId)).toBe(1);
  });

  it('insufficient funds ends payment_failed with nothing fulfilled', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4000000000009995')).html).toContain('insufficient funds');
    await shop.quiesce();
    expect(await shop.order(orderId)).toMatchObject({ status: 'payment_failed' });
    expect(await fulfillments(ctx, orderId)).toBe(0);
  });

  it('3D Secure approved pays; 3D Secure failed does not', async () => {
    shop = await startShop({ store: ctx.store });
    const approved = await shop.checkout();
    const challenge = await shop.pay(approved.checkoutUrl, '4000002500003155');
    expect(challenge.status).toBe(303);
    expect(challenge.location).toContain('/3ds/');
    expect((await shop.authenticate(challenge.location!, 'approve')).location).toContain('/success?session_id=');

    const failed = await shop.checkout();
    const challenge2 = await shop.pay(failed.checkoutUrl, '4000002500003155');
    const refused = await shop.authenticate(challenge2.location!, 'fail');
    expect(refused.status).toBe(402);
    await shop.quiesce();

    expect((await shop.order(approved.orderId))['status']).toBe('paid');
    expect((await shop.order(failed.orderId))['status']).toBe('payment_failed');
    expect(await fulfillments(ctx, failed.orderId)).toBe(0);
  });

  it('a delayed bank debit stays pending until it settles, then pays — or fails', async () => {
    shop = await startShop({ store: ctx.store });
    const good = await shop.checkout();
    const bad = await shop.checkout();
    expect((await shop.pay(good.checkoutUrl, 'DE89370400440532013000')).status).toBe(303);
    expect((await shop.pay(bad.checkoutUrl, 'DE62370400440532013001')).status).toBe(303);
    await shop.quiesce();
    expect((await shop.order(good.orderId))['status']).toBe('pending');
    expect((await shop.order(bad.orderId))['status']).toBe('pending');

    shop.emulator.advanceClock(60);
    await shop.quiesce();
    expect((await shop.order(good.orderId))['status']).toBe('paid');
    expect((await shop.order(bad.orderId))['status']).toBe('payment_failed');
    expect(await fulfillments(ctx, good.orderId)).toBe(1);
    expect(await fulfillments(ctx, bad.orderId)).toBe(0);
  });

  it('an unpaid session that expires ends expired', async () => {
    shop = await startShop({ store: ctx.store });
    const { orderId, sessionId } = await shop.checkout();
    await shop.stripe.checkout.sessions.expire(sessionId);
    await shop.quiesce();
    expect((await shop.order(orderId))['status']).toBe('expired');
  });
});
