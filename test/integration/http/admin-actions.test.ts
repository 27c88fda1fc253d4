import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { startShop, type Shop } from '../../support/shop.js';
import { orderTerms } from '../store/fixtures.js';
import { ADMIN_TOKEN, signIn } from './admin-client.js';

describeEachStore('admin actions', (ctx) => {
  let shop: Shop;
  beforeEach(async () => {
    shop = await startShop({ store: ctx.store, adminToken: ADMIN_TOKEN });
  });
  afterEach(async () => {
    await shop.close();
  });

  async function paidOrder(): Promise<string> {
    const { orderId, checkoutUrl } = await shop.checkout([{ sku: 'field-notes', quantity: 1 }]);
    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    return orderId;
  }

  const refunds = (): number => shop.emulator.events().filter((event) => event.type === 'refund.created').length;

  it('a partial refund keeps the order partially refunded; refunding the rest ends it refunded', async () => {
    const orderId = await paidOrder();
    const admin = await signIn(shop);
    const partial = await admin.post(`/admin/orders/${orderId}/refund`, { amount: '5.00' });
    expect(partial).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'refund_requested' });
    await shop.quiesce();
    expect(await ctx.store.orders.get(orderId)).toMatchObject({ status: 'partially_refunded', amountRefunded: 500, entitlement: 'active' });
    expect((await admin.get(`/admin/orders/${orderId}`)).html).toContain('$7.00 can still be refunded');
    await admin.post(`/admin/orders/${orderId}/refund`, { amount: '' });
    await shop.quiesce();
    expect(await ctx.store.orders.get(orderId)).toMatchObject({ status: 'refunded', amountRefunded: 1200, entitlement: 'revoked' });
  });

  it('says a refund is on its way until charge.refunded is processed, and shows the notice of the action once', async () => {
    const orderId = await paidOrder();
    const admin = await signIn(shop);
    shop.emulator.pauseWebhooks();
    const sent = await admin.post(`/admin/orders/${orderId}/refund`, { amount: '5.00' });
    expect(sent).toMatchObject({ status: 303, location: `/admin/orders/${orderId}`, notice: 'refund_requested' });
    const withNotice = await fetch(`${shop.url}/admin/orders/${orderId}`, { headers: { cookie: `${admin.cookie}; settled_notice=${sent.notice}` } });
    const first = await withNotice.text();
    expect(first).toContain('Refund sent to Stripe');
    expect(withNotice.headers.get('set-cookie')).toMatch(/^settled_notice=; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=0/);
    expect(first).toContain('Refund requested, waiting for Stripe');
    expect(first).toMatch(/\$5\.00 requested [^<]*, waiting for Stripe/);
    expect(first).toContain('<meta http-equiv="refresh" content="2">');
    expect(first).not.toContain('can still be refunded');
    // The reload (the browser no longer sends the cleared cookie) still waits, without the notice.
    const reloaded = (await admin.get(`/admin/orders/${orderId}`)).html;
    expect(reloaded).not.toContain('Refund sent to Stripe');
    expect(reloaded).toContain('Refund requested, waiting for Stripe');

    shop.emulator.resumeWebhooks();
    await shop.quiesce();
    const after = (await admin.get(`/admin/orders/${orderId}`)).html;
    expect(after).not.toContain('waiting for Stripe');
    expect(after).not.toContain('http-equiv="refresh"');
    expect(after).toContain('$7.00 can still be refunded');
    // A forged code that names no notice (here, a property every object has) shows none, on every page.
    for (const path of [`/admin/orders/${orderId}`, '/admin/notifications']) {
      const forged = await fetch(`${shop.url}${path}`, { headers: { cookie: `${admin.cookie}; settled_notice=constructor` } });
      expect(forged.status, path).toBe(200);
      expect(await forged.text(), path).not.toContain('class="notice');
    }
  });

  it('a refund amount that is not a number or exceeds what is left is refused before Stripe is called', async () => {
    const orderId = await paidOrder();
    const admin = await signIn(shop);
    const before = refunds();
    for (const amount of ['abc', '12.01', '0', '-1', '1.234']) {
      const answer = await admin.post(`/admin/orders/${orderId}/refund`, { amount });
      expect(answer, amount).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'bad_amount' });
    }
    expect(refunds()).toBe(before);
    await admin.post(`/admin/orders/${orderId}/refund`, { amount: '12.00' });
    expect(refunds()).toBe(before + 1);
    await shop.quiesce();
  });

  it('the same refund form sent twice before Stripe confirms refunds once', async () => {
    const orderId = await paidOrder();
    const admin = await signIn(shop);
    shop.emulator.pauseWebhooks();
    await admin.post(`/admin/orders/${orderId}/refund`, { amount: '3.00' });
    await admin.post(`/admin/orders/${orderId}/refund`, { amount: '3.00' });
    expect(refunds()).toBe(1);
    shop.emulator.resumeWebhooks();
    await shop.quiesce();
    expect(await ctx.store.orders.get(orderId)).toMatchObject({ status: 'partially_refunded', amountRefunded: 300 });
  });

  it('orders can be found by session id and filtered by status; the overview charts the payment', async () => {
    const { orderId, sessionId, checkoutUrl } = await shop.checkout();
    expect((await shop.pay(checkoutUrl, '4242424242424242')).status).toBe(303);
    await shop.quiesce();
    const admin = await signIn(shop);
    expect((await admin.get(`/admin/orders?q=${sessionId}`)).html).toContain(orderId);
    expect((await admin.get('/admin/orders?status=paid')).html).toContain(orderId);
    expect((await admin.get('/admin/orders?status=refunded')).html).not.toContain(orderId);
    expect((await admin.get(`/admin/orders/${orderId}`)).html).toMatch(/<dt>PaymentIntent<\/dt><dd><code>pi_/);
    const overview = await admin.get('/admin');
    expect(overview.html).toContain('1 paid, 0 failed');
    expect(overview.html).toMatch(/<svg[^>]+role="img"/);
  });

  it('Run reconciliation now reports what it read', async () => {
    await paidOrder();
    const admin = await signIn(shop);
    expect((await admin.get('/admin/events')).html).toContain('Run reconciliation now');
    const run = await admin.post('/admin/reconcile');
    expect(run.status).toBe(200);
    expect(run.html).toMatch(/Reconciliation finished: \d+ events read, 0 missing from the inbox/);
  });

  it('Replay puts a processed event back through the worker once; an id the inbox does not hold changes nothing', async () => {
    const orderId = await paidOrder();
    const [event] = (await ctx.store.inbox.list({ limit: 20 })).filter((e) => e.type === 'checkout.session.completed');
    const factsBefore = await ctx.store.orders.facts(orderId);
    const admin = await signIn(shop);
    const replay = await admin.post(`/admin/events/${event!.id}/requeue`, { back: orderId });
    expect(replay).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'requeued' });
    await shop.quiesce();
    expect(await ctx.store.inbox.get(event!.id)).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await ctx.store.orders.facts(orderId)).toEqual(factsBefore);
    for (const id of ['evt_not_here', 'evt not an id']) {
      expect(await admin.post(`/admin/events/${encodeURIComponent(id)}/requeue`)).toMatchObject({ location: '/admin/events', notice: 'not_requeued' });
    }
  });

  it('approving an order that is not waiting for review queues nothing', async () => {
    const orderId = await paidOrder();
    const admin = await signIn(shop);
    const approve = await admin.post(`/admin/orders/${orderId}/approve`, { note: 'looks fine' });
    expect(approve).toMatchObject({ location: `/admin/orders/${orderId}`, notice: 'not_in_review' });
    expect((await ctx.store.inbox.list({ limit: 50 })).filter((event) => event.type === 'settled.review_approved')).toEqual([]);
    expect((await admin.post('/admin/orders/ord_nope/approve')).status).toBe(404);
  });

  it('the overview counts every order by status, not only the newest thousand the chart reads', async () => {
    for (let n = 0; n < 1005; n += 1) await ctx.store.orders.create(orderTerms({ id: `ord_overview_${String(n).padStart(4, '0')}`, createdAt: Date.now() - n }));
    const overview = await (await signIn(shop)).get('/admin');
    expect(overview.html).toContain('<div class="value">1005</div><div class="label">orders</div>');
    expect(overview.html).toMatch(/status=pending">[^]*?<td class="num">1005<\/td>/);
  });
});
