import { describe, expect, it } from 'vitest';
import { OrderConflictError, OrderNotFoundError } from '../../../src/store/index.js';
import { describeEachStore } from '../../support/stores.js';
import { orderTerms, paymentFact, tinyDecide } from './fixtures.js';

describe('store orders', () => {
  describeEachStore('orders', (ctx) => {
    it('reads several orders in one call, as get reads each, leaving out ids it does not know', async () => {
      await ctx.store.orders.create(orderTerms({ id: 'ord_a', orderRef: 'ref_a' }));
      await ctx.store.orders.create(orderTerms({ id: 'ord_b', orderRef: 'ref_b' }));
      const found = await ctx.store.orders.getMany(['ord_b', 'ord_missing', 'ord_a', 'ord_b']);
      expect([...found.keys()].sort()).toEqual(['ord_a', 'ord_b']);
      expect(found.get('ord_a')).toEqual(await ctx.store.orders.get('ord_a'));
      expect((await ctx.store.orders.getMany([])).size).toBe(0);
    });

    it('creates an order that reads back with its terms and the state of an order nothing has happened to', async () => {
      const terms = orderTerms({ checkoutSessionId: 'cs_1' });
      await ctx.store.orders.create(terms);
      expect(await ctx.store.orders.get('ord_1')).toEqual({
        ...terms,
        status: 'pending',
        amountRefunded: 0,
        paidAt: null,
        reviewReason: null,
        fulfill: false,
        entitlement: 'none',
        updatedAt: terms.createdAt,
        accessToken: null,
        fulfilledAt: null,
      });
      expect(await ctx.store.orders.get('ord_missing')).toBeUndefined();
      await expect(ctx.store.orders.create(terms)).rejects.toBeInstanceOf(OrderConflictError);
    });

    it('finds an order by its checkout session, payment intent and access token', async () => {
      await ctx.store.orders.create(orderTerms({ id: 'ord_1', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1' }));
      await ctx.store.orders.create(orderTerms({ id: 'ord_2' }));
      await ctx.store.applyFacts({ orderId: 'ord_1', facts: [paymentFact('ord_1', 'pay')], eventId: 'evt_1', now: 5_000, newAccessToken: 'tok_1', decide: tinyDecide });

      expect((await ctx.store.orders.findByCheckoutSession('cs_1'))?.id).toBe('ord_1');
      expect((await ctx.store.orders.findByPaymentIntent('pi_1'))?.id).toBe('ord_1');
      expect((await ctx.store.orders.findByAccessToken('tok_1'))?.id).toBe('ord_1');
      expect(await ctx.store.orders.findByCheckoutSession('cs_other')).toBeUndefined();
      expect(await ctx.store.orders.findByAccessToken('tok_other')).toBeUndefined();
    });

    it('attaches a Stripe object once, accepts the same id again, and refuses a different one', async () => {
      await ctx.store.orders.create(orderTerms({ id: 'ord_1' }));
      await ctx.store.orders.create(orderTerms({ id: 'ord_2' }));
      await ctx.store.orders.attachCheckoutSession('ord_1', 'cs_1');
      await ctx.store.orders.attachCheckoutSession('ord_1', 'cs_1');
      await ctx.store.orders.attachPaymentIntent('ord_1', 'pi_1');

      await expect(ctx.store.orders.attachCheckoutSession('ord_1', 'cs_2')).rejects.toBeInstanceOf(OrderConflictError);
      await expect(ctx.store.orders.attachPaymentIntent('ord_1', 'pi_2')).rejects.toBeInstanceOf(OrderConflictError);
      await expect(ctx.store.orders.attachCheckoutSession('ord_2', 'cs_1')).rejects.toBeInstanceOf(OrderConflictError);
      await expect(ctx.store.orders.attachCheckoutSession('ord_missing', 'cs_9')).rejects.toBeInstanceOf(OrderNotFoundError);
      expect(await ctx.store.orders.get('ord_1')).toMatchObject({ checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1' });
      expect(await ctx.store.orders.get('ord_2')).toMatchObject({ checkoutSessionId: null, paymentIntentId: null });
    });

    it('lists newest first, filtered by status and by a case-insensitive search', async () => {
      await ctx.store.orders.create(orderTerms({ id: 'ord_a', email: 'Alice@Example.com', createdAt: 1_000 }));
      await ctx.store.orders.create(orderTerms({ id: 'ord_b', email: 'bob@example.com', createdAt: 2_000, checkoutSessionId: 'cs_bob' }));
      await ctx.store.orders.create(orderTerms({ id: 'ord_c', email: null, createdAt: 3_000 }));
      await ctx.store.applyFacts({ orderId: 'ord_b', facts: [paymentFact('ord_b', 'pay')], eventId: 'evt_1', now: 5_000, newAccessToken: 'tok_b', decide: tinyDecide });

      expect((await ctx.store.orders.list({ limit: 10 })).map((o) => o.id)).toEqual(['ord_c', 'ord_b', 'ord_a']);
      expect((await ctx.store.orders.list({ limit: 2 })).map((o) => o.id)).toEqual(['ord_c', 'ord_b']);
      expect((await ctx.store.orders.list({ limit: 10, status: 'paid' })).map((o) => o.id)).toEqual(['ord_b']);
      expect((await ctx.store.orders.list({ limit: 10, search: 'alice@' })).map((o) => o.id)).toEqual(['ord_a']);
      expect((await ctx.store.orders.list({ limit: 10, search: 'CS_BOB' })).map((o) => o.id)).toEqual(['ord_b']);
      expect((await ctx.store.orders.list({ limit: 10, search: 'ord_c' })).map((o) => o.id)).toEqual(['ord_c']);
    });

    it('keeps settings by key, the last write winning', async () => {
      expect(await ctx.store.settings.get('reconcile.cursor')).toBeUndefined();
      await ctx.store.settings.set('reconcile.cursor', 'evt_1');
      await ctx.store.settings.set('reconcile.cursor', 'evt_2');
      expect(await ctx.store.settings.get('reconcile.cursor')).toBe('evt_2');
    });
  });
});
