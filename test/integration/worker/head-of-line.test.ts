import { createServer, type Server, type Socket } from 'node:net';
import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import { createLogger } from '../../../src/logging.js';
import { StripeGateway } from '../../../src/stripe/gateway.js';
import type { Store } from '../../../src/store/index.js';
import { InboxWorker } from '../../../src/worker/inbox-worker.js';
import { fieldNotesOrder, inboxEvent, sessionFor } from '../../support/events.js';
import { describeEachStore } from '../../support/stores.js';
import { waitFor } from '../../support/wait.js';

const logger = createLogger({ level: 'silent' });
// Received a minute ago, so due now by the real clock these workers run on.
const received = (offsetSeconds: number) => Math.floor(Date.now() / 1000) - 60 + offsetSeconds;

async function createOrder(store: Store, id: string, sessionId: string): Promise<OrderTerms> {
  const terms = fieldNotesOrder(id, { refSecret: 'k'.repeat(32), checkoutSessionId: sessionId, createdAt: 1_800_000_000_000 });
  await store.orders.create(terms);
  return terms;
}

/** A Stripe that takes every connection and never answers: each call waits out its whole budget. */
async function silentStripe(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

describeEachStore('inbox worker, one order waiting on Stripe', (ctx) => {
  let stripe: Awaited<ReturnType<typeof silentStripe>> | undefined;
  let worker: InboxWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    for (const socket of stripe?.sockets ?? []) socket.destroy();
    await new Promise((resolve) => stripe?.server.close(resolve) ?? resolve(undefined));
    worker = stripe = undefined;
  });

  it('an event stuck on a slow Stripe call does not delay another order\'s payment, and keeps its claim until it is ready', async () => {
    stripe = await silentStripe();
    const gateway = new StripeGateway(new Stripe('sk_test_x', { host: '127.0.0.1', port: stripe.port, protocol: 'http', maxNetworkRetries: 0 }), { budgetMs: 30_000 });
    const order = await createOrder(ctx.store, 'ord_HOLHOLHOLHOLHOLHOLHOL1', 'cs_test_hol');
    // A refund of a charge nothing here knows: finding its order takes a Stripe call, which hangs.
    const slow = inboxEvent('evt_slow', 'charge.refunded', { id: 'ch_slow', object: 'charge', amount_refunded: 100, currency: 'usd', metadata: {}, payment_intent: null }, received(0));
    const paid = inboxEvent('evt_paid', 'checkout.session.completed', sessionFor(order), received(1));
    await ctx.store.inbox.add([slow, paid]);

    worker = new InboxWorker({ store: ctx.store, gateway, logger, now: Date.now, slowAfterMs: 100, pollIntervalMs: 50 });
    const started = Date.now();
    worker.start();
    await waitFor(async () => (await ctx.store.orders.get(order.id))?.status === 'paid', 10_000);
    // Well inside the 30 s the slow call waits; the batch went on without it after 100 ms.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await ctx.store.inbox.get('evt_paid')).toMatchObject({ status: 'processed' });
    expect(stripe.sockets.size).toBeGreaterThan(0);
    expect(await ctx.store.inbox.get('evt_slow')).toMatchObject({ status: 'processing', attempts: 1 });

    // Stopping gives the waiting claim back at once, the attempt not counted.
    await worker.stop();
    expect(await ctx.store.inbox.get('evt_slow')).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('drain waits for the slow event too: it fails on its own once Stripe gives up, and the others are applied', async () => {
    stripe = await silentStripe();
    const gateway = new StripeGateway(new Stripe('sk_test_x', { host: '127.0.0.1', port: stripe.port, protocol: 'http', maxNetworkRetries: 0 }), { budgetMs: 400 });
    const order = await createOrder(ctx.store, 'ord_HOLHOLHOLHOLHOLHOLHOL2', 'cs_test_hol2');
    await ctx.store.inbox.add([
      inboxEvent('evt_slow2', 'charge.refunded', { id: 'ch_slow2', object: 'charge', amount_refunded: 100, currency: 'usd', metadata: {}, payment_intent: null }, received(0)),
      inboxEvent('evt_paid2', 'checkout.session.completed', sessionFor(order), received(1)),
    ]);
    worker = new InboxWorker({ store: ctx.store, gateway, logger, now: Date.now, slowAfterMs: 50, random: () => 0.5 });
    expect(await worker.drain()).toBe(2);
    expect((await ctx.store.orders.get(order.id))?.status).toBe('paid');
    const failed = await ctx.store.inbox.get('evt_slow2');
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed?.lastError).toBeTruthy();
  });
});
