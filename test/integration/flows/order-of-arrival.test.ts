import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled } from '../../../src/settled.js';
import { openStore, type OrderRecord } from '../../../src/store/index.js';
import { demoCatalog } from '../../support/catalog.js';
import { startShop } from '../../support/shop.js';
import { fulfillments } from '../../support/fulfillments.js';
import { describeEachStore } from '../../support/stores.js';

const signer = new Stripe('sk_test_signer');
const SECRET = 'whsec_permutationSecre';

describeEachStore('order of arrival under the emulator chaos', (ctx) => {
  it('duplicated, shuffled and failing deliveries still end every order in its true state, fulfilled once', async () => {
    const shop = await startShop({ store: ctx.store, chaos: { duplicates: 3, shuffleWindowMs: 40, failRate: 0.25, seed: 7 } });
    try {
      const expected = new Map<string, string>();
      for (let i = 0; i < 3; i++) {
        const plain = await shop.checkout();
        await shop.pay(plain.checkoutUrl, '4242424242424242');
        expected.set(plain.orderId, 'paid');

        const refunded = await shop.checkout();
        await shop.pay(refunded.checkoutUrl, '4242424242424242');
        const intent = String((await shop.stripe.checkout.sessions.retrieve(refunded.sessionId)).payment_intent);
        await shop.stripe.refunds.create({ payment_intent: intent, amount: 200 });
        await shop.stripe.refunds.create({ payment_intent: intent });
        expected.set(refunded.orderId, 'refunded');

        const disputed = await shop.checkout();
        await shop.pay(disputed.checkoutUrl, '4000000000000259');
        expected.set(disputed.orderId, 'disputed');

        const declinedThenPaid = await shop.checkout();
        await shop.pay(declinedThenPaid.checkoutUrl, '4000000000000002');
        await shop.pay(declinedThenPaid.checkoutUrl, '4242424242424242');
        expected.set(declinedThenPaid.orderId, 'paid');
      }
      await shop.quiesce();
      const attempts = shop.emulator.deliveries();
      // The chaos really happened: some attempts failed and some events came more than once.
      expect(attempts.some((a) => a.error !== null || (a.status !== null && a.status >= 500))).toBe(true);

      for (const [orderId, status] of expected) expect({ orderId, status: (await shop.order(orderId))['status'] }).toEqual({ orderId, status });
      expect(await fulfillments(ctx)).toBe(expected.size);
      const fulfilled = shop.notices.filter((n) => n.kind === 'order.fulfilled').map((n) => n.orderId);
      expect(new Set(fulfilled).size).toBe(expected.size);
    } finally {
      await shop.close();
    }
  });
});

describe('every permutation of a purchase’s real events gives the same order', () => {
  let emulator: RunningEmulator;
  let events: string[] = [];
  let terms: OrderRecord;
  let truth: OrderRecord;
  const dirs: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ retryScheduleMs: [20] });
    const dir = mkdtempSync(join(tmpdir(), 'settled-perm-'));
    dirs.push(dir);
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'truth.sqlite') });
    const shop = await startShop({ store, emulator });
    try {
      const { orderId, sessionId, checkoutUrl } = await shop.checkout([{ sku: 'field-notes', quantity: 1 }]);
      await shop.pay(checkoutUrl, '4000000000000002');
      await shop.pay(checkoutUrl, '4000000000000259');
      const intent = String((await shop.stripe.checkout.sessions.retrieve(sessionId)).payment_intent);
      await shop.stripe.refunds.create({ payment_intent: intent, amount: 300 });
      await shop.quiesce();
      truth = (await store.orders.get(orderId))!;
      terms = truth;
      events = shop.emulator
        .events()
        .filter((e) => e.type !== 'payment_intent.created')
        .map((e) => JSON.stringify(e));
    } finally {
      await shop.close();
      await store.close();
    }
  });

  afterAll(async () => {
    await emulator.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the purchase produced the events that matter', () => {
    const types = events.map((e) => (JSON.parse(e) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['payment_intent.payment_failed', 'checkout.session.completed', 'charge.refunded', 'charge.dispute.created']));
    expect(truth.status).toBe('disputed');
    expect(truth.amountRefunded).toBe(300);
  });

  it('any order and any repetition of those events ends in the same state with one fulfillment', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.array(fc.nat({ max: 100 }), { maxLength: 4 }),
        async (order, repeats) => {
          const deliveries = [...order, ...repeats.map((r) => order[r % order.length]!)];
          const dir = mkdtempSync(join(tmpdir(), 'settled-perm-'));
          dirs.push(dir);
          const store = await openStore({ kind: 'sqlite', path: join(dir, 'run.sqlite') });
          const settled = await createSettled({
            store,
            stripe: new Stripe('sk_test_perm', { host: '127.0.0.1', port: emulator.port, protocol: 'http' }),
            webhookSecrets: [SECRET],
            catalog: demoCatalog(),
            orderRefSecret: 'test-order-ref-secret-0123456789abcdef',
            publicUrl: 'http://shop.test',
            logger: createLogger({ level: 'silent' }),
            worker: { enabled: false },
          });
          try {
            await store.orders.create({ ...terms, checkoutSessionId: null, paymentIntentId: null });
            await store.orders.attachCheckoutSession(terms.id, terms.checkoutSessionId!);
            for (const body of deliveries) {
              const response = await settled.app.inject({
                method: 'POST',
                url: '/api/webhooks/stripe',
                headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) },
                payload: body,
              });
              expect(response.statusCode).toBe(200);
              // Processing between deliveries too, so every prefix of the order is exercised.
              await settled.worker.drain();
            }
            const after = (await store.orders.get(terms.id))!;
            expect({ status: after.status, amountRefunded: after.amountRefunded, entitlement: after.entitlement, fulfill: after.fulfill }).toEqual({
              status: truth.status,
              amountRefunded: truth.amountRefunded,
              entitlement: truth.entitlement,
              fulfill: true,
            });
          } finally {
            await settled.close();
            await store.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
