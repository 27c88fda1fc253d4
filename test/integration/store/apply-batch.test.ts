import { expect, it } from 'vitest';
import type { Fact } from '../../../src/domain/order-facts.js';
import { OrderNotFoundError, type BatchItem, type Store } from '../../../src/store/index.js';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms, paymentFact, tinyDecide } from './fixtures.js';

const dispute = (orderId: string): Fact => ({ kind: 'dispute_opened', orderId, key: `dp_${orderId}`, at: 1_700_000_200_000, disputeId: `dp_${orderId}` });
const apply = (eventId: string, orderId: string, facts: Fact[], now = 10_000): BatchItem => ({ kind: 'apply', eventId, orderId, facts, newAccessToken: `tok_${eventId}`, now });
const event = (id: string, receivedAt = 1_000) => ({ id, type: 'checkout.session.completed', payload: `{"id":"${id}"}`, source: 'webhook' as const, receivedAt });

async function claimed(store: Store, ids: string[], workerId = 'w1'): Promise<void> {
  await store.inbox.add(ids.map((id) => event(id)));
  expect((await store.inbox.claim({ workerId, limit: 100, leaseMs: 60_000, now: 5_000 })).map((e) => e.id).sort()).toEqual([...ids].sort());
}

describeEachStore('store applyBatch', (ctx) => {
  it('applies two events of one order one after the other in one batch, and completes both claims', async () => {
    await ctx.store.orders.create(orderTerms({ id: 'ord_1' }));
    await claimed(ctx.store, ['evt_pay', 'evt_dispute']);
    const [paid, disputed] = await ctx.store.applyBatch({
      items: [apply('evt_pay', 'ord_1', [paymentFact('ord_1', 'pay')]), apply('evt_dispute', 'ord_1', [dispute('ord_1')], 11_000)],
      decide: tinyDecide,
      workerId: 'w1',
    });
    expect(paid).toMatchObject({ kind: 'applied', claimHeld: true, result: { fulfilledNow: true, newFacts: 1, after: { status: 'paid' } } });
    // The second sees the first: it starts from paid and revokes what the first granted.
    expect(disputed).toMatchObject({ kind: 'applied', result: { fulfilledNow: false, before: { status: 'paid', entitlement: 'active' }, after: { status: 'disputed', accessToken: 'tok_evt_pay' } } });
    expect(await ctx.store.orders.get('ord_1')).toMatchObject({ status: 'disputed', entitlement: 'revoked', accessToken: 'tok_evt_pay', fulfilledAt: 10_000, updatedAt: 11_000 });
    const outbox = await ctx.store.outbox.list({ limit: 10 });
    expect(outbox.map((m) => m.kind).sort()).toEqual(['entitlement.revoked', 'order.fulfilled', 'order.status_changed', 'order.status_changed']);
    // The shop is told each status the order passed through, in turn: pending → paid, then paid → disputed.
    const changes = outbox.filter((m) => m.kind === 'order.status_changed').map((m) => JSON.parse(m.payload) as { previousStatus: string; type: string });
    expect(changes.map((c) => `${c.previousStatus}→${c.type}`).sort()).toEqual(['paid→order.disputed', 'pending→order.paid']);
    expect(await ctx.execute('select cast(count(*) as integer) as n from fulfillments')).toEqual([{ n: 1 }]);
    expect(await ctx.store.inbox.get('evt_dispute')).toMatchObject({ status: 'processed', orderId: 'ord_1', outcome: 'applied: order is disputed', lockedBy: null });
  });

  it('with status notices recorded (no notify URL), each is stored delivered for the pull API and only the shop\'s own notices are queued', async () => {
    await ctx.store.orders.create(orderTerms({ id: 'ord_1' }));
    await claimed(ctx.store, ['evt_pay']);
    const [paid] = await ctx.store.applyBatch({ items: [apply('evt_pay', 'ord_1', [paymentFact('ord_1', 'pay')], 12_000)], decide: tinyDecide, workerId: 'w1', statusNotices: 'record' });
    expect(paid).toMatchObject({ kind: 'applied', result: { fulfilledNow: true } });
    const outbox = await ctx.store.outbox.list({ limit: 10 });
    expect(outbox.map((m) => [m.kind, m.status, m.deliveredAt]).sort()).toEqual([
      ['order.fulfilled', 'pending', null],
      ['order.status_changed', 'delivered', 12_000],
    ]);
    expect((await ctx.store.outbox.claim({ workerId: 'o1', limit: 10, leaseMs: 60_000, now: 20_000 })).map((m) => m.kind)).toEqual(['order.fulfilled']);
    const pulled = await ctx.store.notifications.notificationsAfter({ afterId: 0, limit: 10, now: 30_000, settleMs: 5_000 });
    expect(pulled.map((n) => (JSON.parse(n.payload) as { type: string }).type)).toEqual(['order.paid']);
  });

  it('an event that fails for itself fails alone: the rest of its batch is kept', async () => {
    await ctx.store.orders.create(orderTerms({ id: 'ord_1' }));
    await claimed(ctx.store, ['evt_good', 'evt_gone', 'evt_other', 'evt_retry']);
    const results = await ctx.store.applyBatch({
      items: [
        apply('evt_good', 'ord_1', [paymentFact('ord_1', 'pay')]),
        apply('evt_gone', 'ord_missing', [paymentFact('ord_missing', 'pay')]),
        { kind: 'ignore', eventId: 'evt_other', outcome: 'ignored: customer.created is not handled', now: 10_000 },
        { kind: 'fail', eventId: 'evt_retry', error: 'StripeConnectionError: down', runAt: 70_000, dead: false, now: 10_000 },
      ],
      decide: tinyDecide,
      workerId: 'w1',
    });
    expect(results.map((r) => r.kind)).toEqual(['applied', 'error', 'ignored', 'failed']);
    expect(results[1]?.kind === 'error' && results[1].error).toBeInstanceOf(OrderNotFoundError);
    expect((await ctx.store.orders.get('ord_1'))?.status).toBe('paid');
    expect(await ctx.store.inbox.get('evt_gone')).toMatchObject({ status: 'processing', lockedBy: 'w1' });
    expect(await ctx.store.inbox.get('evt_other')).toMatchObject({ status: 'ignored', outcome: 'ignored: customer.created is not handled' });
    expect(await ctx.store.inbox.get('evt_retry')).toMatchObject({ status: 'pending', runAt: 70_000, lastError: 'StripeConnectionError: down' });
  });

  it('a claim taken over by another worker is left alone, though the facts are applied (applying twice changes nothing)', async () => {
    await ctx.store.orders.create(orderTerms({ id: 'ord_1' }));
    await claimed(ctx.store, ['evt_late'], 'w_other');
    const [result] = await ctx.store.applyBatch({ items: [apply('evt_late', 'ord_1', [paymentFact('ord_1', 'pay')])], decide: tinyDecide, workerId: 'w1' });
    expect(result).toMatchObject({ kind: 'applied', claimHeld: false });
    expect(await ctx.store.inbox.get('evt_late')).toMatchObject({ status: 'processing', lockedBy: 'w_other' });
    expect((await ctx.store.orders.get('ord_1'))?.status).toBe('paid');
  });

  it('two stores applying batches over the same orders at once fulfill each order exactly once', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `ord_${i}`);
    for (const id of ids) await ctx.store.orders.create(orderTerms({ id }));
    const other = await ctx.openAnother();
    const batch = (store: Store, tag: string) =>
      store.applyBatch({ items: ids.map((id) => apply(`evt_${tag}_${id}`, id, [paymentFact(id, `pay_${tag}`)])), decide: tinyDecide });
    const results = (await Promise.all([batch(ctx.store, 'a'), batch(other, 'b'), batch(ctx.store, 'c'), batch(other, 'd')])).flat();
    expect(results.every((r) => r.kind === 'applied')).toBe(true);
    expect(results.filter((r) => r.kind === 'applied' && r.result.fulfilledNow)).toHaveLength(ids.length);
    expect(await ctx.execute('select cast(count(*) as integer) as n from fulfillments')).toEqual([{ n: ids.length }]);
    expect(await ctx.execute('select cast(count(*) as integer) as n from order_facts')).toEqual([{ n: 4 * ids.length }]);
    expect((await ctx.store.outbox.list({ limit: 100 })).filter((m) => m.kind === 'order.fulfilled')).toHaveLength(ids.length);
  });
});
