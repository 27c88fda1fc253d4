import { describe, expect, it } from 'vitest';
import type { Fact } from '../../../src/domain/order-facts.js';
import { OrderNotFoundError } from '../../../src/store/index.js';
import type { ApplyFactsInput } from '../../../src/store/index.js';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms, paymentFact, tinyDecide } from './fixtures.js';

function application(facts: Fact[], eventId: string, now = 10_000, newAccessToken = `tok_${eventId}`): ApplyFactsInput {
  return { orderId: 'ord_1', facts, eventId, now, newAccessToken, decide: tinyDecide };
}

const dispute = (key: string, disputeId: string): Fact => ({ kind: 'dispute_opened', orderId: 'ord_1', key, at: 1_700_000_200_000, disputeId });
const disputeWon = (key: string, disputeId: string): Fact => ({ kind: 'dispute_closed', orderId: 'ord_1', key, at: 1_700_000_300_000, disputeId, outcome: 'won' });

describe('store applyFacts', () => {
  describeEachStore('applyFacts', (ctx) => {
    it('refuses facts for an order that does not exist', async () => {
      const error = await ctx.store.applyFacts(application([paymentFact('ord_1', 'pay')], 'evt_1')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OrderNotFoundError);
      expect((error as OrderNotFoundError).code).toBe('order_not_found');
    });

    it('a payment fulfills the order once, grants the access token and queues one order.fulfilled', async () => {
      await ctx.store.orders.create(orderTerms());
      const first = await ctx.store.applyFacts(application([paymentFact('ord_1', 'pay')], 'evt_1', 10_000, 'tok_first'));
      expect(first.fulfilledNow).toBe(true);
      expect(first.newFacts).toBe(1);
      expect(first.before).toMatchObject({ status: 'pending', entitlement: 'none', fulfill: false });
      expect(first.after).toMatchObject({ status: 'paid', entitlement: 'active', accessToken: 'tok_first', fulfilledAt: 10_000, updatedAt: 10_000, paidAt: 1_700_000_100_000 });
      expect(await ctx.store.orders.get('ord_1')).toEqual(first.after);

      const again = await ctx.store.applyFacts(application([paymentFact('ord_1', 'pay')], 'evt_1', 20_000, 'tok_second'));
      expect(again).toMatchObject({ fulfilledNow: false, newFacts: 0 });
      expect(again.after).toMatchObject({ accessToken: 'tok_first', fulfilledAt: 10_000 });

      const facts = await ctx.store.orders.facts('ord_1');
      expect(facts).toEqual([{ fact: paymentFact('ord_1', 'pay'), eventId: 'evt_1', recordedAt: 10_000 }]);
      const outbox = await ctx.store.outbox.list({ orderId: 'ord_1', limit: 10 });
      expect(outbox.map((m) => m.kind)).toEqual(['order.status_changed', 'order.fulfilled']);
      expect(JSON.parse(outbox[1]?.payload ?? '{}')).toMatchObject({ orderId: 'ord_1', eventId: 'evt_1', entitlement: 'active' });
      expect(JSON.parse(outbox[0]?.payload ?? '{}')).toMatchObject({ type: 'order.paid', previousStatus: 'pending', eventId: 'evt_1', order: { id: 'ord_1', status: 'paid' } });
    });

    it('facts that do not pay leave the order unfulfilled with nothing queued', async () => {
      await ctx.store.orders.create(orderTerms());
      const result = await ctx.store.applyFacts(application([paymentFact('ord_1', 'short', { amount: 100 })], 'evt_1'));
      expect(result).toMatchObject({ fulfilledNow: false, newFacts: 1 });
      expect(result.after).toMatchObject({ status: 'pending', accessToken: null, fulfilledAt: null });
      expect(await ctx.store.outbox.list({ limit: 10 })).toEqual([]);
      expect(await ctx.execute('select cast(count(*) as integer) as n from fulfillments')).toEqual([{ n: 0 }]);
    });

    it('fifty concurrent applications of the same payment fulfill exactly once', async () => {
      await ctx.store.orders.create(orderTerms());
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ctx.store.applyFacts(application([paymentFact('ord_1', 'pay')], `evt_${i}`, 10_000 + i))),
      );
      expect(results.filter((r) => r.fulfilledNow)).toHaveLength(1);
      expect(results.reduce((sum, r) => sum + r.newFacts, 0)).toBe(1);
      expect(await ctx.execute('select cast(count(*) as integer) as n from fulfillments')).toEqual([{ n: 1 }]);
      expect((await ctx.store.outbox.list({ limit: 100 })).map((m) => m.kind)).toEqual(['order.status_changed', 'order.fulfilled']);
      const tokens = new Set(results.map((r) => r.after.accessToken));
      expect(tokens.size).toBe(1);
    });

    it('fifty concurrent different-but-equivalent payment facts, through two stores, fulfill exactly once', async () => {
      await ctx.store.orders.create(orderTerms());
      const other = await ctx.openAnother();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? ctx.store : other).applyFacts(application([paymentFact('ord_1', `pay_${i}`, { at: 1_700_000_100_000 + i })], `evt_${i}`, 10_000 + i)),
        ),
      );
      expect(results.filter((r) => r.fulfilledNow)).toHaveLength(1);
      expect(await ctx.store.orders.facts('ord_1')).toHaveLength(50);
      expect(await ctx.execute('select cast(count(*) as integer) as n from fulfillments')).toEqual([{ n: 1 }]);
      expect((await ctx.store.outbox.list({ limit: 100 })).map((m) => m.kind)).toEqual(['order.status_changed', 'order.fulfilled']);
      expect((await ctx.store.orders.get('ord_1'))?.paidAt).toBe(1_700_000_100_000);
    });

    it('a dispute revokes the entitlement and winning it restores it, each queued once, keeping the token', async () => {
      await ctx.store.orders.create(orderTerms());
      await ctx.store.applyFacts(application([paymentFact('ord_1', 'pay')], 'evt_pay', 10_000, 'tok_1'));
      const opened = await ctx.store.applyFacts(application([dispute('dp_open', 'dp_1')], 'evt_dispute', 11_000));
      expect(opened.after).toMatchObject({ status: 'disputed', entitlement: 'revoked', accessToken: 'tok_1' });
      await ctx.store.applyFacts(application([dispute('dp_open', 'dp_1')], 'evt_dispute', 11_500));
      const won = await ctx.store.applyFacts(application([disputeWon('dp_won', 'dp_1')], 'evt_won', 12_000));
      expect(won.after).toMatchObject({ status: 'paid', entitlement: 'active', accessToken: 'tok_1', fulfilledAt: 10_000 });
      expect(won.fulfilledNow).toBe(false);
      const queued = await ctx.store.outbox.list({ orderId: 'ord_1', limit: 10 });
      expect(queued.filter((m) => m.kind !== 'order.status_changed').map((m) => m.kind)).toEqual(['entitlement.restored', 'entitlement.revoked', 'order.fulfilled']);
      const statuses = queued.filter((m) => m.kind === 'order.status_changed').map((m) => (JSON.parse(m.payload) as { type: string }).type);
      expect(statuses).toEqual(['order.paid', 'order.disputed', 'order.paid']);
    });

    it('a payment and its dispute arriving together fulfill the order, give it a link, and revoke it in the same breath', async () => {
      await ctx.store.orders.create(orderTerms());
      const result = await ctx.store.applyFacts(application([paymentFact('ord_1', 'pay'), dispute('dp_open', 'dp_1'), paymentFact('ord_1', 'pay')], 'evt_1'));
      expect(result).toMatchObject({ fulfilledNow: true, newFacts: 2 });
      expect(result.after).toMatchObject({ entitlement: 'revoked', accessToken: 'tok_evt_1' });
      expect((await ctx.store.outbox.list({ limit: 10 })).map((m) => m.kind).sort()).toEqual(['entitlement.revoked', 'order.fulfilled', 'order.status_changed']);
    });

    it('refuses a fact that names another order and records nothing', async () => {
      await ctx.store.orders.create(orderTerms());
      await expect(ctx.store.applyFacts(application([paymentFact('ord_other', 'pay')], 'evt_1'))).rejects.toThrow(/ord_other/);
      expect(await ctx.store.orders.facts('ord_1')).toEqual([]);
    });
  });
});
