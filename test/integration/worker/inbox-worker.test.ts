import Stripe from 'stripe';
import { expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import { createLogger } from '../../../src/logging.js';
import { StripeGateway } from '../../../src/stripe/gateway.js';
import type { Store } from '../../../src/store/index.js';
import { InboxWorker } from '../../../src/worker/inbox-worker.js';
import { fieldNotesOrder, inboxEvent, sessionFor } from '../../support/events.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

const REF_SECRET = 'k'.repeat(32);
const logger = createLogger({ level: 'silent' });
// Nothing listens on port 9: any Stripe call the worker makes fails like a network outage.
const unreachableStripe = new StripeGateway(new Stripe('sk_test_x', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0 }));

async function createOrder(store: Store, id: string, sessionId: string): Promise<OrderTerms> {
  const terms = fieldNotesOrder(id, { refSecret: REF_SECRET, checkoutSessionId: null, createdAt: 1_800_000_000_000 });
  await store.orders.create(terms);
  await store.orders.attachCheckoutSession(id, sessionId);
  return { ...terms, checkoutSessionId: sessionId };
}

function worker(store: Store, clock: { now: number }, overrides: Partial<ConstructorParameters<typeof InboxWorker>[0]> = {}): InboxWorker {
  return new InboxWorker({ store, gateway: unreachableStripe, logger, now: () => clock.now, random: () => 0.5, ...overrides });
}

describeEachStore('inbox worker', (ctx) => {
  it('applies a paid checkout session: the order is paid and fulfilled once', async () => {
    const order = await createOrder(ctx.store, 'ord_AAAAAAAAAAAAAAAAAAAAAA', 'cs_test_paid');
    await ctx.store.inbox.add([inboxEvent('evt_paid', 'checkout.session.completed', sessionFor(order))]);
    const clock = { now: 1_800_000_001_000 };
    expect(await worker(ctx.store, clock).drain()).toBe(1);
    const stored = await ctx.store.orders.get(order.id);
    expect(stored).toMatchObject({ status: 'paid', entitlement: 'active', paidAt: 1_800_000_000_000 });
    expect(stored?.accessToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await ctx.store.inbox.get('evt_paid')).toMatchObject({ status: 'processed', orderId: order.id, outcome: 'applied: order is paid' });
  });

  it('finds the order by its checkout session when the order the metadata names does not exist', async () => {
    const order = await createOrder(ctx.store, 'ord_DDDDDDDDDDDDDDDDDDDDDD', 'cs_test_by_session');
    const session = sessionFor(order, { metadata: { order_id: 'ord_NOTHEREAAAAAAAAAAAAAAA', order_ref: order.orderRef } });
    await ctx.store.inbox.add([inboxEvent('evt_by_session', 'checkout.session.completed', session)]);
    expect(await worker(ctx.store, { now: 1_800_000_001_000 }).drain()).toBe(1);
    expect(await ctx.store.inbox.get('evt_by_session')).toMatchObject({ status: 'processed', orderId: order.id });
    expect(await ctx.store.orders.get('ord_NOTHEREAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('parks a session whose amount differs from the order in needs_review, unfulfilled', async () => {
    const order = await createOrder(ctx.store, 'ord_BBBBBBBBBBBBBBBBBBBBBB', 'cs_test_cheap');
    await ctx.store.inbox.add([inboxEvent('evt_cheap', 'checkout.session.completed', sessionFor(order, { amount_total: 100 }))]);
    await worker(ctx.store, { now: 1_800_000_001_000 }).drain();
    const stored = await ctx.store.orders.get(order.id);
    expect(stored).toMatchObject({ status: 'needs_review', fulfill: false, entitlement: 'none', accessToken: null });
    expect(stored?.reviewReason).toContain('100');
  });

  it('marks events it does not act on as ignored, with the reason', async () => {
    await ctx.store.inbox.add([inboxEvent('evt_customer', 'customer.created', { id: 'cus_1', object: 'customer' })]);
    await worker(ctx.store, { now: 1_800_000_001_000 }).drain();
    const row = await ctx.store.inbox.get('evt_customer');
    expect(row?.status).toBe('ignored');
    expect(row?.outcome).toContain('customer.created');
  });

  it('retries a failing event with backoff and makes it a dead letter after the last attempt', async () => {
    // A refund whose charge is unknown here: the worker must ask Stripe, which is unreachable.
    await ctx.store.inbox.add([
      inboxEvent('evt_refund', 'charge.refunded', { id: 'ch_1', object: 'charge', amount_refunded: 100, currency: 'usd', metadata: {}, payment_intent: null }),
    ]);
    const clock = { now: 1_800_000_001_000 };
    const w = worker(ctx.store, clock, { maxAttempts: 3, backoff: { baseMs: 1_000, maxMs: 60_000 } });
    expect(await w.drain()).toBe(1);
    let row = await ctx.store.inbox.get('evt_refund');
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.lastError).toBeTruthy();
    expect(row!.runAt).toBeGreaterThan(clock.now);
    expect(await w.drain()).toBe(0);

    clock.now = row!.runAt;
    expect(await w.drain()).toBe(1);
    row = await ctx.store.inbox.get('evt_refund');
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });

    clock.now = row!.runAt;
    await w.drain();
    row = await ctx.store.inbox.get('evt_refund');
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });
    clock.now += 24 * 3600_000;
    expect(await w.drain()).toBe(0);
  });

  it('takes over the claim of a worker that died once its lease has passed', async () => {
    const order = await createOrder(ctx.store, 'ord_CCCCCCCCCCCCCCCCCCCCCC', 'cs_test_lease');
    await ctx.store.inbox.add([inboxEvent('evt_lease', 'checkout.session.completed', sessionFor(order))]);
    const start = 1_800_000_001_000;
    const crashed = await ctx.store.inbox.claim({ workerId: 'crashed', limit: 10, leaseMs: 30_000, now: start });
    expect(crashed.map((e) => e.id)).toEqual(['evt_lease']);

    const clock = { now: start + 10_000 };
    const survivor = worker(ctx.store, clock, { leaseMs: 30_000 });
    expect(await survivor.drain()).toBe(0);
    clock.now = start + 30_001;
    expect(await survivor.drain()).toBe(1);
    expect((await ctx.store.orders.get(order.id))?.status).toBe('paid');
    // The crashed worker's late completion must not overwrite the survivor's.
    expect(await ctx.store.inbox.complete({ id: 'evt_lease', workerId: 'crashed', status: 'ignored', orderId: null, outcome: 'late', now: clock.now })).toBe(false);
    expect((await ctx.store.inbox.get('evt_lease'))?.status).toBe('processed');
  });

  it('works a backlog two batches at once, and an order whose events fall in both is applied once per event and fulfilled once', async () => {
    // Batches of 4: each order's second event is in the batch after its first, which the other lane runs meanwhile.
    const orders: OrderTerms[] = [];
    for (let i = 0; i < 24; i++) orders.push(await createOrder(ctx.store, `ord_LANES${String(i).padStart(17, '0')}`, `cs_test_lanes_${i}`));
    const events = [];
    for (let group = 0; group < orders.length; group += 4) {
      const four = orders.slice(group, group + 4);
      for (const order of four) events.push(inboxEvent(`evt_done_${order.id}`, 'checkout.session.completed', sessionFor(order)));
      for (const order of four) events.push(inboxEvent(`evt_async_${order.id}`, 'checkout.session.async_payment_succeeded', sessionFor(order)));
    }
    await ctx.store.inbox.add(events);

    let claiming = 0;
    let mostAtOnce = 0;
    const claim = ctx.store.inbox.claim.bind(ctx.store.inbox);
    const store: Store = {
      ...ctx.store,
      inbox: {
        ...ctx.store.inbox,
        claim: async (input) => {
          mostAtOnce = Math.max(mostAtOnce, ++claiming);
          try {
            return await claim(input);
          } finally {
            claiming -= 1;
          }
        },
      },
    };
    expect(await worker(store, { now: 1_800_000_001_000 }, { batchSize: 4, lanes: 2 }).drain()).toBe(events.length);

    expect(mostAtOnce).toBe(2);
    for (const event of events) expect(await ctx.store.inbox.get(event.id)).toMatchObject({ status: 'processed', outcome: 'applied: order is paid' });
    for (const order of orders) {
      expect((await ctx.store.orders.get(order.id))?.status).toBe('paid');
      expect(await fulfillments(ctx, order.id)).toBe(1);
    }
  });
});
