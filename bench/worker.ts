import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { OrderTerms } from '../src/domain/order.js';
import { computeOrderRef } from '../src/domain/order-ref.js';
import { createLogger } from '../src/logging.js';
import { StripeGateway } from '../src/stripe/gateway.js';
import { openStore, type Store } from '../src/store/index.js';
import { InboxWorker } from '../src/worker/inbox-worker.js';
import { inboxEvent, sessionFor } from '../test/support/events.js';

export interface WorkerThroughput {
  readonly store: 'SQLite' | 'PostgreSQL';
  readonly workers: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Orders paid and given their one fulfillment by the run: must equal events. */
  readonly fulfilled: number;
}

const REF_SECRET = 'bench-order-ref-secret-0123456789abcdef';
const logger = createLogger({ level: 'silent' });
// Paid sessions never need Stripe; anything that tried would fail fast here instead of waiting.
const unreachableStripe = new StripeGateway(new Stripe('sk_test_bench', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0 }));

async function seed(store: Store, count: number): Promise<void> {
  const events = [];
  for (let i = 0; i < count; i++) {
    const id = `ord_${randomBytes(11).toString('hex')}`;
    const total = { amount: 1200, currency: 'usd' };
    const terms: OrderTerms = {
      id,
      lines: [{ sku: 'field-notes', name: 'Field Notes on Quiet Software', quantity: 1, unitAmount: 1200, currency: 'usd' }],
      total,
      orderRef: computeOrderRef(REF_SECRET, id, total),
      email: null,
      flow: 'checkout_session',
      checkoutSessionId: null,
      paymentIntentId: null,
      createdAt: Date.now(),
    };
    await store.orders.create(terms);
    const sessionId = `cs_test_${id.slice(4)}`;
    await store.orders.attachCheckoutSession(id, sessionId);
    events.push(inboxEvent(`evt_${id.slice(4)}`, 'checkout.session.completed', sessionFor({ ...terms, checkoutSessionId: sessionId }), Math.floor(Date.now() / 1000)));
  }
  for (let start = 0; start < events.length; start += 500) await store.inbox.add(events.slice(start, start + 500));
}

async function measure(kind: WorkerThroughput['store'], open: () => Promise<Store>, events: number, workers: number): Promise<WorkerThroughput> {
  const stores = [await open()];
  await stores[0]!.migrate();
  await seed(stores[0]!, events);
  // One store (one pool, one SQLite connection) per worker, as separate processes would have.
  for (let i = 1; i < workers; i++) stores.push(await open());
  const started = performance.now();
  await Promise.all(stores.map((store) => new InboxWorker({ store, gateway: unreachableStripe, logger, now: Date.now }).drain()));
  const seconds = (performance.now() - started) / 1000;
  const { counts } = await stores[0]!.inbox.stats();
  const orders = await stores[0]!.orders.list({ limit: events + 10 });
  const fulfilled = orders.filter((order) => order.status === 'paid' && order.accessToken !== null).length;
  await Promise.all(stores.map((store) => store.close()));
  if (counts.processed !== events) throw new Error(`worker bench: ${counts.processed} of ${events} events processed`);
  return { store: kind, workers, events, seconds, eventsPerSecond: events / seconds, fulfilled };
}

export async function runWorkerBenchmark(options: { events: number; databaseUrl: string; postgres: boolean }): Promise<WorkerThroughput[]> {
  const results: WorkerThroughput[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'settled-bench-worker-'));
  try {
    for (const workers of [1, 3]) {
      const path = join(dir, `w${workers}.sqlite`);
      results.push(await measure('SQLite', () => openStore({ kind: 'sqlite', path }), options.events, workers));
      console.log(`worker: SQLite × ${workers}: ${results.at(-1)!.eventsPerSecond.toFixed(0)} events/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!options.postgres) return results;
  for (const workers of [1, 3]) {
    const schema = `bench_${randomBytes(5).toString('hex')}`;
    try {
      results.push(await measure('PostgreSQL', () => openStore({ kind: 'postgres', connectionString: options.databaseUrl, schema, poolSize: 4 }), options.events, workers));
      console.log(`worker: PostgreSQL × ${workers}: ${results.at(-1)!.eventsPerSecond.toFixed(0)} events/s`);
    } finally {
      await dropSchema(options.databaseUrl, schema);
    }
  }
  return results;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
