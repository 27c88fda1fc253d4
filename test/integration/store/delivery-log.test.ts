import { expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms } from './fixtures.js';

describeEachStore('delivery log', (ctx) => {
  it('keeps the signature header of accepted deliveries only, newest first', async () => {
    const { deliveryLog } = ctx.store;
    await deliveryLog.record({ receivedAt: 1_000, sourceAddress: '54.187.174.169', outcome: 'stored', reason: null, eventId: 'evt_1', eventType: 'charge.refunded', signatureHeader: 't=1,v1=aa' });
    await deliveryLog.record({ receivedAt: 2_000, sourceAddress: '10.0.0.9', outcome: 'rejected', reason: 'signature_mismatch', eventId: 'evt_2', eventType: 'charge.refunded', signatureHeader: 't=1,v1=bb' });
    await deliveryLog.record({ receivedAt: 3_000, sourceAddress: '54.187.174.169', outcome: 'duplicate', reason: null, eventId: 'evt_1', eventType: 'charge.refunded', signatureHeader: 't=2,v1=cc' });

    const all = await deliveryLog.list({ limit: 10 });
    expect(all.map((d) => [d.outcome, d.receivedAt])).toEqual([['duplicate', 3_000], ['rejected', 2_000], ['stored', 1_000]]);
    const rejected = all[1]!;
    expect(rejected).toMatchObject({ reason: 'signature_mismatch', sourceAddress: '10.0.0.9', eventId: 'evt_2', signatureHeader: null });
    expect(all[2]).toMatchObject({ signatureHeader: 't=1,v1=aa' });
    expect((await deliveryLog.list({ limit: 10, eventId: 'evt_1' })).length).toBe(2);
    expect((await deliveryLog.list({ limit: 10, outcome: 'rejected' })).map((d) => d.eventId)).toEqual(['evt_2']);
  });

  it('prunes deliveries received before the cut-off and keeps the rest', async () => {
    const { deliveryLog } = ctx.store;
    for (const receivedAt of [1_000, 2_000, 3_000]) {
      await deliveryLog.record({ receivedAt, sourceAddress: null, outcome: 'rejected', reason: 'missing_signature', eventId: null, eventType: null, signatureHeader: null });
    }
    expect(await deliveryLog.prune({ receivedBefore: 2_500 })).toBe(2);
    expect((await deliveryLog.list({ limit: 10 })).map((d) => d.receivedAt)).toEqual([3_000]);
  });
});

describeEachStore('order activity', (ctx) => {
  it('finds orders still pending that were created before the threshold, oldest first', async () => {
    const { orders, orderActivity } = ctx.store;
    await orders.create(orderTerms({ id: 'ord_old', createdAt: 1_000 }));
    await orders.create(orderTerms({ id: 'ord_older', createdAt: 500 }));
    await orders.create(orderTerms({ id: 'ord_new', createdAt: 5_000 }));
    const stale = await orderActivity.pendingCreatedBefore({ createdBefore: 2_000, limit: 10 });
    expect(stale.map((o) => o.id)).toEqual(['ord_older', 'ord_old']);
    expect((await orderActivity.pendingCreatedBefore({ createdBefore: 2_000, limit: 1 })).map((o) => o.id)).toEqual(['ord_older']);
  });

  it('lists the inbox events attributed to an order', async () => {
    const { inbox, orderActivity } = ctx.store;
    await inbox.add([
      { id: 'evt_a', type: 'checkout.session.completed', payload: '{}', source: 'webhook', receivedAt: 1 },
      { id: 'evt_b', type: 'charge.refunded', payload: '{}', source: 'webhook', receivedAt: 2 },
    ]);
    const [claimed] = await inbox.claim({ workerId: 'w', limit: 1, leaseMs: 1_000, now: 10 });
    await inbox.complete({ id: claimed!.id, workerId: 'w', status: 'processed', orderId: 'ord_1', outcome: 'applied', now: 11 });
    expect(await orderActivity.inboxEventIds('ord_1')).toEqual(['evt_a']);
    expect(await orderActivity.inboxEventIds('ord_2')).toEqual([]);
  });

  it('keeps the refunds asked for an order, once each however often Stripe answers with the same refund', async () => {
    const { orderActivity } = ctx.store;
    const request = { refundId: 're_1', orderId: 'ord_1', amount: 500, currency: 'usd', refundedBefore: 0, status: 'pending', requestedAt: 1_000 };
    await orderActivity.recordRefundRequest(request);
    await orderActivity.recordRefundRequest({ ...request, requestedAt: 2_000, status: 'succeeded' });
    await orderActivity.recordRefundRequest({ ...request, refundId: 're_2', amount: 300, refundedBefore: 500, requestedAt: 3_000 });
    expect(await orderActivity.refundRequests('ord_1')).toEqual([request, { ...request, refundId: 're_2', amount: 300, refundedBefore: 500, requestedAt: 3_000 }]);
    expect(await orderActivity.refundRequests('ord_2')).toEqual([]);
  });

  it('reports every known migration as applied once migrated', async () => {
    const status = await ctx.store.migrationStatus();
    expect(status.pending).toEqual([]);
    expect(status.applied).toContain('002-delivery-log');
  });
});

describeEachStore(
  'migration status before migrating',
  (ctx) => {
    it('lists every migration as pending on an empty database', async () => {
      const status = await ctx.store.migrationStatus();
      expect(status.applied).toEqual([]);
      expect(status.pending).toEqual(['001-initial', '002-delivery-log', '003-delivery-body', '004-leases', '005-inbox-indexes', '006-payload-compression', '007-webhook-rejection-counts', '008-sidecar-api', '009-refund-requests', '010-outbox-indexes', '011-inbox-payloads']);
    });
  },
  { migrate: false },
);
