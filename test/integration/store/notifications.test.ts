import { describe, expect, it } from 'vitest';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms, paymentFact, tinyDecide } from './fixtures.js';

describe('store notifications', () => {
  describeEachStore('notifications', (ctx) => {
    async function payOrder(id: string, now: number): Promise<void> {
      await ctx.store.orders.create(orderTerms({ id }));
      await ctx.store.applyFacts({ orderId: id, facts: [paymentFact(id, 'pay')], eventId: `evt_${id}`, now, newAccessToken: `tok_${id}`, decide: tinyDecide });
    }

    it('lists the status notices after a cursor, oldest first, and nothing else from the outbox', async () => {
      await payOrder('ord_1', 1_000);
      await payOrder('ord_2', 2_000);
      const all = await ctx.store.notifications.notificationsAfter({ afterId: 0, limit: 10, now: 10_000, settleMs: 5_000 });
      expect(all.map((n) => (JSON.parse(n.payload) as { order: { id: string } }).order.id)).toEqual(['ord_1', 'ord_2']);
      const [first] = all;
      if (first === undefined) throw new Error('expected a notification');
      const rest = await ctx.store.notifications.notificationsAfter({ afterId: first.outboxId, limit: 10, now: 10_000, settleMs: 5_000 });
      expect(rest.map((n) => n.outboxId)).toEqual([all[1]?.outboxId]);
      expect(await ctx.store.notifications.notificationsAfter({ afterId: first.outboxId, limit: 0, now: 10_000, settleMs: 5_000 })).toEqual([]);
    });

    it('on PostgreSQL holds back notifications younger than the settle time, whose ids may not be in commit order yet', async () => {
      await payOrder('ord_1', 1_000);
      const seen = await ctx.store.notifications.notificationsAfter({ afterId: 0, limit: 10, now: 5_999, settleMs: 5_000 });
      expect(seen).toHaveLength(ctx.store.dialect === 'postgres' ? 0 : 1);
      expect(await ctx.store.notifications.notificationsAfter({ afterId: 0, limit: 10, now: 6_000, settleMs: 5_000 })).toHaveLength(1);
    });

    it('keeps every delivery attempt, newest first, by message', async () => {
      await ctx.store.notifications.record({ outboxId: 7, attemptedAt: 1_000, durationMs: 12, outcome: 'failed', httpStatus: 500, error: 'answered 500' });
      await ctx.store.notifications.record({ outboxId: 7, attemptedAt: 2_000, durationMs: 9, outcome: 'delivered', httpStatus: 200, error: null });
      await ctx.store.notifications.record({ outboxId: 8, attemptedAt: 3_000, durationMs: 5000, outcome: 'failed', httpStatus: null, error: 'timed out' });
      const attempts = await ctx.store.notifications.list({ outboxId: 7, limit: 10 });
      expect(attempts.map((a) => [a.outcome, a.httpStatus, a.attemptedAt])).toEqual([['delivered', 200, 2_000], ['failed', 500, 1_000]]);
      expect(await ctx.store.notifications.list({ limit: 10 })).toHaveLength(3);
    });
  });
});
