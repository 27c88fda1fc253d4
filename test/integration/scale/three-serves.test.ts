import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createScratchSchema, postgresReachable, ProcessGroup, waitUntil, type ScratchSchema } from './scratch-database.js';
import { payOnHostedPage } from '../../support/hosted-page.js';

const SUITE = 'three settled serve processes on one PostgreSQL database';
const ORDERS = 200;
const IN_FLIGHT = 12;
const DECLINED = '4000000000000002';
const PAYS = '4242424242424242';

const runnable = await postgresReachable(SUITE);

describe.skipIf(!runnable)(SUITE, () => {
  const processes = new ProcessGroup();
  let emulator: RunningEmulator | undefined;
  let schema: ScratchSchema | undefined;

  afterEach(async () => {
    await processes.cleanup();
    await emulator?.close();
    await schema?.drop();
  });

  it('fulfills every paid order once and processes every event once, though each event reaches all three, several times', { timeout: 180_000 }, async () => {
    const startedAt = Date.now();
    // Every event goes to the three endpoints, 1–3 copies each, all at once: nine racing deliveries at most.
    emulator = await startEmulator({ retryScheduleMs: [50, 100, 200, 400, 800, 1600], chaos: { duplicates: 3, seed: 7 } });
    schema = await createScratchSchema();
    const serves = [0, 1, 2].map(() =>
      processes.start(['serve'], {
        PORT: '0',
        DATA_DIR: processes.tempDir(),
        DATABASE_URL: schema!.url,
        DATABASE_POOL_SIZE: '4',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_API_BASE: emulator!.url,
        LOG_LEVEL: 'warn',
        // Hundreds of buyers from one loopback address: the per-address limit is not what is under test.
        RATE_LIMIT_PER_MINUTE: '100000',
      }),
    );
    // They start together, so they also migrate the fresh schema together.
    const urls = await Promise.all(serves.map(async (run) => (await run.waitFor(/settled is serving on (http:\/\/\S+)/, 60_000))[1]!));
    const ready = Date.now();

    const outcomes = await inBatches(ORDERS, IN_FLIGHT, async (index) => {
      const url = urls[index % urls.length]!;
      const declined = index % 10 === 9;
      const created = await fetch(`${url}/api/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ sku: 'field-notes', quantity: 1 + (index % 3) }] }),
      });
      expect(created.status).toBe(201);
      const { orderId, checkoutUrl } = (await created.json()) as { orderId: string; checkoutUrl: string };
      expect((await payOnHostedPage(checkoutUrl, declined ? DECLINED : PAYS)).status).toBe(declined ? 402 : 303);
      return { orderId, paid: !declined };
    });
    const driven = Date.now();

    expect(await emulator.settle(60_000)).toBe(true);
    await waitUntil(
      async () => {
        const [busy] = await schema!.query<{ count: number }>("select count(*)::int as count from inbox_events where status in ('pending', 'processing')");
        return busy?.count === 0 ? true : undefined;
      },
      60_000,
      async () => JSON.stringify(await schema!.query('select status, count(*)::int from inbox_events group by status')),
    );
    const quiet = Date.now();

    // Every event Stripe (the emulator) sent is one inbox row, finished, never a dead letter.
    const sent = emulator.events().map((event) => event.id).sort();
    const inbox = await schema.query<{ id: string; status: string; attempts: number; processed_at: string | null }>(
      'select id, status, attempts, processed_at from inbox_events order by id',
    );
    expect(inbox.map((row) => row.id)).toEqual(sent);
    expect(inbox.filter((row) => row.status !== 'processed' && row.status !== 'ignored')).toEqual([]);
    expect(inbox.filter((row) => row.processed_at === null)).toEqual([]);

    // ...although each was delivered to all three processes, and more than once to some.
    const delivered = new Map<string, Set<string>>();
    let copies = 0;
    for (const attempt of emulator.deliveries()) {
      if (!attempt.ok) continue;
      copies += 1;
      const endpoints = delivered.get(attempt.event_id) ?? new Set<string>();
      endpoints.add(attempt.endpoint_id);
      delivered.set(attempt.event_id, endpoints);
    }
    expect([...delivered.values()].filter((endpoints) => endpoints.size !== 3)).toEqual([]);
    expect(copies).toBeGreaterThan(sent.length * 3);

    // Each paid order: paid, one fulfillment row, one fulfillment notice. Each declined order: neither.
    const orders = await schema.query<{ id: string; status: string; fulfillments: number; notices: number }>(`
      select o.id, o.status,
        (select count(*)::int from fulfillments f where f.order_id = o.id) as fulfillments,
        (select count(*)::int from outbox m where m.order_id = o.id and m.kind = 'order.fulfilled') as notices
      from orders o`);
    expect(orders).toHaveLength(ORDERS);
    const byId = new Map(orders.map((order) => [order.id, order]));
    const wrong = outcomes.filter(({ orderId, paid }) => {
      const order = byId.get(orderId);
      return paid
        ? order?.status !== 'paid' || order.fulfillments !== 1 || order.notices !== 1
        : order?.status !== 'payment_failed' || order.fulfillments !== 0 || order.notices !== 0;
    });
    expect(wrong.map(({ orderId }) => byId.get(orderId))).toEqual([]);
    const [fulfilled] = await schema.query<{ count: number }>('select count(*)::int as count from fulfillments');
    expect(fulfilled?.count).toBe(outcomes.filter((outcome) => outcome.paid).length);

    const retried = inbox.filter((row) => row.attempts > 1).length;
    console.info(
      `${ORDERS} orders, ${sent.length} events, ${copies} deliveries over 3 processes: start ${ready - startedAt} ms, drive ${driven - ready} ms, ` +
        `quiesce ${quiet - driven} ms; ${retried} events needed a retry`,
    );
  });
});

/** Runs `task` for 0..count-1 with at most `inFlight` at a time; results in index order. */
async function inBatches<T>(count: number, inFlight: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return results;
}
