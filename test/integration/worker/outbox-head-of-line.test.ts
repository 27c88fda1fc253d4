import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.js';
import type { Store } from '../../../src/store/index.js';
import { StripeGateway } from '../../../src/stripe/gateway.js';
import { OutboxDispatcher, type OutboxNotice } from '../../../src/worker/outbox-dispatcher.js';
import { createProcessing, type Processing } from '../../../src/worker/processing.js';
import Stripe from 'stripe';
import { orderTerms, paymentFact, tinyDecide } from '../store/fixtures.js';
import { describeEachStore } from '../../support/stores.js';
import { waitFor } from '../../support/wait.js';

const logger = createLogger({ level: 'silent' });

/** A paid order: its outbox holds order.fulfilled, then order.status_changed. */
async function paidOrder(store: Store, id: string): Promise<void> {
  await store.orders.create(orderTerms({ id, orderRef: `ref_${id}` }));
  await store.applyFacts({ orderId: id, facts: [paymentFact(id, `pay_${id}`)], eventId: `evt_${id}`, now: Date.now() - 1_000, newAccessToken: `tok_${id}`, decide: tinyDecide });
}

/** A handler the test lets go of: it waits until `release(orderId)` for the orders it was told to hold. */
function holdingHandler(held: ReadonlySet<string>) {
  const calls: string[] = [];
  const waiting = new Map<string, () => void>();
  const handler = async (notice: OutboxNotice): Promise<void> => {
    calls.push(`${notice.orderId} ${notice.kind}`);
    if (held.has(notice.orderId) && notice.kind === 'order.fulfilled') await new Promise<void>((resolve) => waiting.set(notice.orderId, resolve));
  };
  return { handler, calls, release: (orderId: string) => waiting.get(orderId)?.() };
}

async function statuses(store: Store, orderId: string): Promise<string[]> {
  return (await store.outbox.list({ orderId, limit: 10 })).sort((a, b) => a.id - b.id).map((message) => `${message.kind} ${message.status}`);
}

describeEachStore('outbox, one order\'s handler hanging', (ctx) => {
  let dispatcher: OutboxDispatcher | undefined;
  let processing: Processing | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await dispatcher?.stop();
    await processing?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    dispatcher = processing = server = undefined;
  });

  it('another order queued later is delivered while it hangs; its own next message waits for it; it is settled when it returns', async () => {
    const { handler, calls, release } = holdingHandler(new Set(['ord_hung']));
    await paidOrder(ctx.store, 'ord_hung');
    dispatcher = new OutboxDispatcher({ store: ctx.store, handler, logger, now: Date.now, slowAfterMs: 50, pollIntervalMs: 20 });
    dispatcher.start();
    await waitFor(() => calls.includes('ord_hung order.fulfilled'), 5_000);

    // Queued after the hung delivery's batch was claimed: it must not wait for that batch.
    await paidOrder(ctx.store, 'ord_next');
    await waitFor(async () => (await statuses(ctx.store, 'ord_next')).every((status) => status.endsWith(' delivered')), 5_000);
    // The hung order's status notice was claimed with it, and waits behind its fulfillment.
    expect(calls).not.toContain('ord_hung order.status_changed');
    expect(await statuses(ctx.store, 'ord_hung')).toEqual(['order.fulfilled processing', 'order.status_changed processing']);

    release('ord_hung');
    await waitFor(async () => (await statuses(ctx.store, 'ord_hung')).every((status) => status.endsWith(' delivered')), 5_000);
    const ofHung = calls.filter((call) => call.startsWith('ord_hung '));
    expect(ofHung).toEqual(['ord_hung order.fulfilled', 'ord_hung order.status_changed']);
    // Delivered once each: the straggler was settled by a later batch, not delivered again.
    expect(calls.filter((call) => call === 'ord_next order.fulfilled')).toHaveLength(1);
  });

  it('stopping gives a hung delivery\'s claim back at once, the attempt not counted', async () => {
    const { handler, calls } = holdingHandler(new Set(['ord_stop']));
    await paidOrder(ctx.store, 'ord_stop');
    dispatcher = new OutboxDispatcher({ store: ctx.store, handler, logger, now: Date.now, slowAfterMs: 50, pollIntervalMs: 20 });
    dispatcher.start();
    await waitFor(() => calls.includes('ord_stop order.fulfilled'), 5_000);
    await dispatcher.stop();
    const messages = await ctx.store.outbox.list({ orderId: 'ord_stop', limit: 10 });
    expect(messages.map((message) => [message.kind, message.status, message.attempts]).sort()).toEqual([
      ['order.fulfilled', 'pending', 0],
      ['order.status_changed', 'pending', 0],
    ]);
  });

  it('a notify URL that never answers for one order holds up no other order\'s onFulfilled', async () => {
    // The shop's backend hangs on the first order's notice and answers the others at once.
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (body.includes('ord_slowshop')) return;
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const fulfilled: string[] = [];
    processing = createProcessing({
      store: ctx.store,
      gateway: new StripeGateway(new Stripe('sk_test_x', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0 })),
      logger,
      now: Date.now,
      pollIntervalMs: 20,
      queues: { outbox: { slowAfterMs: 100 } },
      notify: { url: `http://127.0.0.1:${address.port}/settled`, secrets: ['notify-secret-for-tests-only'], timeoutMs: 30_000 },
      onFulfilled: (notice) => void fulfilled.push(notice.orderId),
    });
    await paidOrder(ctx.store, 'ord_slowshop');
    processing.start();
    await waitFor(() => fulfilled.includes('ord_slowshop'), 5_000);
    await waitFor(async () => (await statuses(ctx.store, 'ord_slowshop')).includes('order.status_changed processing'), 5_000);

    const started = Date.now();
    await paidOrder(ctx.store, 'ord_fastshop');
    await waitFor(() => fulfilled.includes('ord_fastshop'), 5_000);
    await waitFor(async () => (await statuses(ctx.store, 'ord_fastshop')).every((status) => status.endsWith(' delivered')), 5_000);
    // Well inside the 30 s the hung POST may take.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await statuses(ctx.store, 'ord_slowshop')).toEqual(['order.fulfilled delivered', 'order.status_changed processing']);
  });
});
