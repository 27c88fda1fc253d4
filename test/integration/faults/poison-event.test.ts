import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { inboxEvent } from '../../support/events.js';
import { msUntil, outcomeOnceSettled, pendingOrders, sqliteFulfillmentCounts } from '../../support/exactly-once.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { paidEvent, WebhookSender, type SignedEvent } from '../../support/webhook-sender.js';

const SECRET = 'whsec_poisonEvent';

let settled: Settled | undefined;
let store: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  await settled?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  settled = undefined;
  store = undefined;
  dir = undefined;
});

/** Validly signed, but unprocessable here: a refund of a charge no order names, and Stripe cannot be asked about it. */
function poisonEvent(n: number): SignedEvent {
  const id = `evt_poison_${n}`;
  const charge = { id: `ch_poison_${n}`, object: 'charge', amount_refunded: 100, currency: 'usd', metadata: {}, payment_intent: null };
  return { id, body: inboxEvent(id, 'charge.refunded', charge, Math.floor(Date.now() / 1000)).payload };
}

it('poison events are stored, retried and left as dead letters, and the payments around them go through once', { timeout: 60_000 }, async () => {
  dir = mkdtempSync(join(tmpdir(), 'settled-poison-'));
  const path = join(dir, 'settled.sqlite');
  store = await openStore({ kind: 'sqlite', path });
  await store.migrate();
  const orders = await pendingOrders(store, 10, 'poison');
  settled = await createSettled(
    intakeOnlyOptions(store, SECRET, { worker: { enabled: true, pollIntervalMs: 50, maxAttempts: 3, backoff: { baseMs: 20, maxMs: 100 } } }),
  );
  settled.start();
  const url = await listenOnLoopback(settled);
  const sender = new WebhookSender(url, SECRET);
  const poison = [0, 1, 2].map(poisonEvent);
  // The poison goes first, so the good events queue behind it.
  await sender.deliverAll([...poison, ...orders.map((order) => paidEvent(order))], 4);
  expect(sender.statusCounts()).toEqual({ 200: poison.length + orders.length });

  const countFulfillments = sqliteFulfillmentCounts(path);
  const result = await outcomeOnceSettled(store, orders, sender.acknowledged, countFulfillments, 30_000);
  expect(result).toEqual({ lostEvents: [], notFulfilledOnce: [], unpaid: [] });
  await msUntil(async () => (await store!.inbox.list({ status: 'dead', limit: 10 })).length === poison.length, 20_000, 'three dead letters');
  const dead = await store.inbox.list({ status: 'dead', limit: 10 });
  expect(dead.map((event) => event.id).sort()).toEqual(poison.map((event) => event.id).sort());
  for (const event of dead) {
    expect(event.attempts).toBe(3);
    expect(event.lastError).toBeTruthy();
  }
  // Dead letters are the operator's to look at, not a reason to take the instance out of service.
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
});
