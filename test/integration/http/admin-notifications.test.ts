import { afterEach, expect, it } from 'vitest';
import { startNotifyReceiver, type NotifyReceiver } from '../../support/notify-receiver.js';
import { startShop, type Shop } from '../../support/shop.js';
import { describeEachStore } from '../../support/stores.js';
import { ADMIN_TOKEN, signIn } from './admin-client.js';

describeEachStore('admin notifications', (ctx) => {
  let shop: Shop | undefined;
  let receiver: NotifyReceiver | undefined;
  afterEach(async () => {
    await shop?.close();
    await receiver?.close();
  });

  it('a dead notification is shown with its attempts and, retried from the dashboard, delivered with the same id', async () => {
    receiver = await startNotifyReceiver();
    receiver.answer = () => 503;
    const secret = ['ntf', 'e5'.repeat(20)].join('_');
    shop = await startShop({ store: ctx.store, adminToken: ADMIN_TOKEN, notify: { url: receiver.url, secrets: [secret], maxAttempts: 1 } });
    const { checkoutUrl, orderId } = await shop.checkout();
    await shop.pay(checkoutUrl, '4242424242424242');
    await receiver.waitFor(1);
    await shop.quiesce();
    const [dead] = await ctx.store.outbox.list({ status: 'dead', limit: 10 });
    if (dead === undefined) throw new Error('expected a dead notification');

    const admin = await signIn(shop);
    const page = await admin.get('/admin/notifications');
    expect(page.html).toContain(`ntf_${dead.id}`);
    expect(page.html).toContain(orderId);
    expect(page.html).toContain('the notify URL answered 503');
    expect(page.html).not.toContain(secret);

    receiver.answer = () => 200;
    const retried = await admin.post(`/admin/notifications/${dead.id}/retry`, {});
    expect(retried).toMatchObject({ location: '/admin/notifications', notice: 'requeued' });
    const shown = await fetch(`${shop.url}/admin/notifications`, { headers: { cookie: `${admin.cookie}; settled_notice=${retried.notice}` } });
    expect(await shown.text()).toContain('Put back in the outbox');
    const [first, second] = await receiver.waitFor(2);
    expect(second?.body).toBe(first?.body);
    expect(JSON.parse(second?.body ?? '{}')).toMatchObject({ id: `ntf_${dead.id}`, type: 'order.paid' });
    await shop.quiesce();
    expect((await admin.get('/admin/notifications')).html).toMatch(/Dead letters \(0\)/);
    expect(await admin.post('/admin/notifications/ntf_424242/retry', {})).toMatchObject({ location: '/admin/notifications', notice: 'unknown' });
  });
});
