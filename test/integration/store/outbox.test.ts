import { describe, expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms, paymentFact, tinyDecide } from './fixtures.js';

describe('store outbox', () => {
  describeEachStore('outbox', (ctx) => {
    async function payOrder(id: string, now: number): Promise<void> {
      await ctx.store.orders.create(orderTerms({ id }));
      await ctx.store.applyFacts({ orderId: id, facts: [paymentFact(id, 'pay')], eventId: `evt_${id}`, now, newAccessToken: `tok_${id}`, decide: tinyDecide });
    }

    // The queue's mechanics with one message per order: the status notice queued beside each fulfillment is dropped.
    async function fulfilledOrder(id: string, now: number): Promise<void> {
      await payOrder(id, now);
      await ctx.execute(`delete from outbox where order_id = '${id}' and kind = 'order.status_changed'`);
    }

    it('claims due messages, completes them, and retries a failed one at its time', async () => {
      await fulfilledOrder('ord_1', 1_000);
      await fulfilledOrder('ord_2', 2_000);
      const claimed = await ctx.store.outbox.claim({ workerId: 'w1', limit: 10, leaseMs: 5_000, now: 3_000 });
      expect(claimed.map((m) => [m.orderId, m.kind, m.status, m.attempts])).toEqual([
        ['ord_1', 'order.fulfilled', 'processing', 1],
        ['ord_2', 'order.fulfilled', 'processing', 1],
      ]);
      const [first, second] = claimed;
      if (first === undefined || second === undefined) throw new Error('expected two messages');
      expect(await ctx.store.outbox.complete({ id: first.id, workerId: 'w2', now: 3_100 })).toBe(false);
      expect(await ctx.store.outbox.complete({ id: first.id, workerId: 'w1', now: 3_100 })).toBe(true);
      expect(await ctx.store.outbox.fail({ id: second.id, workerId: 'w1', error: 'smtp down', runAt: 9_000, dead: false, now: 3_200 })).toBe(true);

      expect(await ctx.store.outbox.claim({ workerId: 'w1', limit: 10, leaseMs: 5_000, now: 8_999 })).toEqual([]);
      const [retry] = await ctx.store.outbox.claim({ workerId: 'w1', limit: 10, leaseMs: 5_000, now: 9_000 });
      expect(retry).toMatchObject({ id: second.id, attempts: 2, lastError: 'smtp down' });
      expect(await ctx.store.outbox.fail({ id: second.id, workerId: 'w1', error: 'gave up', runAt: 9_500, dead: true, now: 9_100 })).toBe(true);

      const listed = await ctx.store.outbox.list({ limit: 10 });
      expect(listed.map((m) => [m.orderId, m.status])).toEqual([['ord_2', 'dead'], ['ord_1', 'delivered']]);
      expect(listed[1]).toMatchObject({ deliveredAt: 3_100, createdAt: 1_000 });
      expect(await ctx.store.outbox.claim({ workerId: 'w1', limit: 10, leaseMs: 5_000, now: 99_000 })).toEqual([]);
    });

    it('an expired lease lets another worker take the message', async () => {
      await fulfilledOrder('ord_1', 1_000);
      await ctx.store.outbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 1_000 });
      expect(await ctx.store.outbox.claim({ workerId: 'w2', limit: 1, leaseMs: 1_000, now: 1_999 })).toEqual([]);
      const [taken] = await ctx.store.outbox.claim({ workerId: 'w2', limit: 1, leaseMs: 1_000, now: 2_000 });
      expect(taken?.attempts).toBe(2);
      if (taken === undefined) throw new Error('expected a message');
      expect(await ctx.store.outbox.complete({ id: taken.id, workerId: 'w1', now: 2_100 })).toBe(false);
    });

    it('a dead message is listed as dead and an operator puts it back, due now, with its attempts started again', async () => {
      await fulfilledOrder('ord_1', 1_000);
      const [claimed] = await ctx.store.outbox.claim({ workerId: 'w1', limit: 1, leaseMs: 1_000, now: 1_000 });
      if (claimed === undefined) throw new Error('expected a message');
      expect(await ctx.store.outbox.requeue({ id: claimed.id, now: 1_100 })).toBe(false);
      await ctx.store.outbox.fail({ id: claimed.id, workerId: 'w1', error: 'gave up', runAt: 1_200, dead: true, now: 1_100 });
      expect((await ctx.store.outbox.list({ status: 'dead', limit: 10 })).map((m) => m.id)).toEqual([claimed.id]);
      expect(await ctx.store.outbox.requeue({ id: claimed.id, now: 5_000 })).toBe(true);
      expect(await ctx.store.outbox.get(claimed.id)).toMatchObject({ status: 'pending', attempts: 0, runAt: 5_000 });
      expect(await ctx.store.outbox.list({ status: 'dead', limit: 10 })).toEqual([]);
      expect(await ctx.store.outbox.get(999_999)).toBeUndefined();
    });
  });
});
