import BetterSqlite3 from 'better-sqlite3';
import { newOrderId } from '../../src/operations/checkout.js';
import type { OrderTerms } from '../../src/domain/order.js';
import type { Store } from '../../src/store/types.js';
import { orderTerms } from '../integration/store/fixtures.js';

/** What a fault test checks once the fault is over: the two promises, in numbers. */
export interface Outcome {
  /** Acknowledged (2xx) events that are not in the inbox: must be none. */
  readonly lostEvents: string[];
  /** Orders whose fulfillment rows are not exactly one. */
  readonly notFulfilledOnce: { orderId: string; fulfillments: number }[];
  /** Orders not paid yet. */
  readonly unpaid: { orderId: string; status: string }[];
}

/**
 * Reads the outcome through the store and raw SQL (`countFulfillments` returns rows of order_id and n from the
 * fulfillments table), so that a fulfillment row the store's own reads might hide is still counted.
 */
export async function outcome(
  store: Store,
  orders: readonly OrderTerms[],
  acknowledged: Iterable<string>,
  countFulfillments: () => Promise<{ order_id: unknown; n: unknown }[]>,
): Promise<Outcome> {
  const lostEvents: string[] = [];
  for (const id of acknowledged) if ((await store.inbox.get(id)) === undefined) lostEvents.push(id);
  // Statuses are read before the fulfillment rows: an order is paid and fulfilled in one commit, so every order
  // seen paid here has its row in the count read after. Read the other way round, a worker still running could
  // pay an order between the two reads and it would look paid but never fulfilled.
  const unpaid: Outcome['unpaid'] = [];
  for (const order of orders) {
    const status = (await store.orders.get(order.id))?.status ?? 'missing';
    if (status !== 'paid') unpaid.push({ orderId: order.id, status });
  }
  const counts = new Map((await countFulfillments()).map((row) => [String(row.order_id), Number(row.n)]));
  const notFulfilledOnce: Outcome['notFulfilledOnce'] = [];
  for (const order of orders) {
    const fulfillments = counts.get(order.id) ?? 0;
    if (fulfillments !== 1) notFulfilledOnce.push({ orderId: order.id, fulfillments });
  }
  return { lostEvents, notFulfilledOnce, unpaid };
}

/** Polls until every order is paid, or the deadline; returns the last outcome either way. */
export async function outcomeOnceSettled(
  store: Store,
  orders: readonly OrderTerms[],
  acknowledged: Iterable<string>,
  countFulfillments: () => Promise<{ order_id: unknown; n: unknown }[]>,
  timeoutMs = 30_000,
): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await outcome(store, orders, acknowledged, countFulfillments).catch(() => undefined);
    if (result && (result.unpaid.length === 0 || Date.now() > deadline)) return result;
    if (!result && Date.now() > deadline) throw new Error('the store did not answer before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `check` holds; returns how long that took. */
export async function msUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` pending one-line orders of 25.00 usd, each with its own Checkout Session id, made in the store. */
export async function pendingOrders(store: Store, count: number, sessionPrefix: string): Promise<OrderTerms[]> {
  const orders: OrderTerms[] = [];
  for (let n = 0; n < count; n += 1) {
    const order = orderTerms({ id: newOrderId(Date.now()), checkoutSessionId: `cs_test_${sessionPrefix}_${n}` });
    await store.orders.create(order);
    orders.push(order);
  }
  return orders;
}

/** Fulfillment rows per order in a SQLite file, read on a connection of its own (as another process would). */
export function sqliteFulfillmentCounts(path: string): () => Promise<{ order_id: string; n: number }[]> {
  return async () => {
    const database = new BetterSqlite3(path, { readonly: true });
    try {
      return database.prepare('select order_id, count(*) as n from fulfillments group by order_id').all() as { order_id: string; n: number }[];
    } finally {
      database.close();
    }
  };
}
