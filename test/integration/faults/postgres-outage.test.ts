import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { msUntil, outcomeOnceSettled, pendingOrders } from '../../support/exactly-once.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';
import { TEST_DATABASE_URL } from '../../support/stores.js';
import { paidEvent, WebhookSender } from '../../support/webhook-sender.js';
import { createScratchDatabase, postgresReachable, type ScratchDatabase } from '../scale/scratch-database.js';

const SUITE = 'settled while PostgreSQL fails';
const SECRET = 'whsec_postgresOutage';
// What a buyer's read may take at worst during the fault: the pool's connect timeout and a little more.
const BUYER_BUDGET_MS = 7_000;

const runnable = await postgresReachable(SUITE);

async function onServer(statement: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await client.query(statement, values);
  } finally {
    await client.end();
  }
}

/** Ends every connection to the database but our own, as a restart, a failover or an idle timeout does. */
async function terminateConnections(database: string): Promise<number> {
  const { rows } = await onServer('select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t', [database]);
  return Number(rows[0]?.n ?? 0);
}

describe.skipIf(!runnable)(SUITE, () => {
  let database: ScratchDatabase | undefined;
  let store: Store | undefined;
  let settled: Settled | undefined;

  afterEach(async () => {
    if (database) await onServer(`alter database "${database.name}" allow_connections true`).catch(() => undefined);
    await settled?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await database?.drop();
    settled = undefined;
    store = undefined;
    database = undefined;
  });

  async function start(orderCount: number): Promise<{ url: string; orders: OrderTerms[]; connectionErrors: () => number }> {
    database = await createScratchDatabase();
    let connectionErrors = 0;
    store = await openStore({ kind: 'postgres', connectionString: database.url, poolSize: 4, onConnectionError: () => (connectionErrors += 1) });
    await store.migrate();
    const orders = await pendingOrders(store, orderCount, 'pgfault');
    settled = await createSettled(intakeOnlyOptions(store, SECRET, { worker: { enabled: true, pollIntervalMs: 50, backoff: { baseMs: 50, maxMs: 500 } } }));
    settled.start();
    return { url: await listenOnLoopback(settled), orders, connectionErrors: () => connectionErrors };
  }

  const fulfillmentCounts = () => database!.query<{ order_id: string; n: number }>('select order_id, count(*)::int as n from fulfillments group by order_id');

  async function timedRead(url: string, orderId: string): Promise<{ status: number; ms: number; code?: string }> {
    const started = Date.now();
    const response = await fetch(`${url}/api/orders/${orderId}`);
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, ms: Date.now() - started, ...(body.error ? { code: body.error.code } : {}) };
  }

  it('stays up while its connections are terminated again and again mid-load, and loses nothing', { timeout: 90_000 }, async () => {
    const { url, orders, connectionErrors } = await start(60);
    const sender = new WebhookSender(url, SECRET, { retryDelayMs: 100 });
    // Every event twice, as Stripe may send it: the copies race each other through the outage.
    const events = orders.flatMap((order) => [paidEvent(order), paidEvent(order)]);

    let chaos = true;
    let terminated = 0;
    const terminator = (async () => {
      while (chaos) {
        terminated += await terminateConnections(database!.name);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    const reads: { status: number; ms: number; code?: string }[] = [];
    const reader = (async () => {
      for (let n = 0; chaos; n += 1) {
        reads.push(await timedRead(url, orders[n % orders.length]!.id));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await sender.deliverAll(events, 8, 60_000);
    // Keep the fault going while the worker catches up, so its claims and commits meet it too.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    chaos = false;
    await Promise.all([terminator, reader]);

    expect(terminated).toBeGreaterThan(0);
    // The process survived connections dying under it (each one was an 'error' event that used to end it).
    expect(connectionErrors()).toBeGreaterThan(0);
    // Stripe is told 200 (stored) or 503 (retry), never anything else, and never left without an answer.
    expect(Object.keys(sender.statusCounts()).map(Number).filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect(reads.filter((read) => !(read.status === 200 || (read.status === 503 && read.code === 'store_unavailable')))).toEqual([]);
    expect(reads.filter((read) => read.ms > BUYER_BUDGET_MS)).toEqual([]);

    const result = await outcomeOnceSettled(store!, orders, sender.acknowledged, fulfillmentCounts, 30_000);
    expect(result).toEqual({ lostEvents: [], notFulfilledOnce: [], unpaid: [] });
    expect(sender.acknowledged.size).toBe(orders.length);
    // An event is marked processed in the commit after the one that paid its order, so it is waited for too.
    const unfinished = () => database!.query("select id, status, attempts, last_error from inbox_events where status not in ('processed', 'ignored')");
    await msUntil(async () => (await unfinished()).length === 0, 10_000, 'every event processed').catch(() => undefined);
    expect(await unfinished()).toEqual([]);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('answers 503 while the database refuses connections, says so in /readyz, and recovers by itself when it returns', { timeout: 90_000 }, async () => {
    const { url, orders } = await start(20);
    const [early, late] = [orders.slice(0, 10), orders.slice(10)];
    const sender = new WebhookSender(url, SECRET, { retryDelayMs: 100 });
    await sender.deliverAll(early.map((order) => paidEvent(order)), 4);

    // Superusers ignore CONNECTION LIMIT, so the database itself is closed to new connections, and the old ones ended.
    await onServer(`alter database "${database!.name}" allow_connections false`);
    await terminateConnections(database!.name);

    const refused = await fetch(`${url}/readyz`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ status: 'unavailable', checks: { database: 'failing' } });
    const read = await timedRead(url, early[0]!.id);
    expect(read).toMatchObject({ status: 503, code: 'store_unavailable' });
    expect(read.ms).toBeLessThan(BUYER_BUDGET_MS);
    // Stripe keeps delivering through the outage: each attempt is answered 503 until the database is back.
    const delivering = sender.deliverAll(late.map((order) => paidEvent(order)), 4, 60_000);
    await msUntil(async () => sender.answers.filter((answer) => answer.status === 503).length >= 5, 20_000, 'five 503 answers');

    await onServer(`alter database "${database!.name}" allow_connections true`);
    const recoveryMs = await msUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, 'ready again');
    expect(recoveryMs).toBeLessThan(5_000);
    await delivering;

    expect(Object.keys(sender.statusCounts()).map(Number).filter((status) => status !== 200 && status !== 503)).toEqual([]);
    const result = await outcomeOnceSettled(store!, orders, sender.acknowledged, fulfillmentCounts, 30_000);
    expect(result).toEqual({ lostEvents: [], notFulfilledOnce: [], unpaid: [] });
  });
});
