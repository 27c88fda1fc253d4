import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../src/store/index.js';
import { startShop } from '../test/support/shop.js';

export interface EndToEndLatency {
  readonly store: 'SQLite' | 'PostgreSQL';
  readonly purchases: number;
  readonly concurrency: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly seconds: number;
  readonly fulfilled: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Buyers pay on the emulator's hosted page; the clock starts when the card form is submitted and stops at the
 * order's fulfilledAt (the commit that granted it), both read from this machine's clock. Each buyer waits for
 * their order to be fulfilled before buying again, so the figure is latency at `concurrency` buyers in flight.
 */
async function measure(kind: EndToEndLatency['store'], store: Store, purchases: number, concurrency: number): Promise<EndToEndLatency> {
  await store.migrate();
  const shop = await startShop({ store });
  const paidAt = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < purchases) {
          next++;
          const { orderId, checkoutUrl } = await shop.checkout();
          const t0 = Date.now();
          const paid = await shop.pay(checkoutUrl, '4242424242424242');
          if (paid.status !== 303) throw new Error(`payment answered ${paid.status}`);
          paidAt.set(orderId, t0);
          // Each buyer waits for their order before the next purchase: latency, not a queue built by the driver.
          const waitUntil = Date.now() + 60_000;
          while (!(await store.orders.get(orderId))?.fulfilledAt && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    const deadline = Date.now() + 60_000;
    let latencies: number[] = [];
    while (Date.now() < deadline) {
      const orders = await Promise.all([...paidAt.keys()].map((id) => store.orders.get(id)));
      latencies = orders.flatMap((order) => (order?.fulfilledAt ? [order.fulfilledAt - (paidAt.get(order.id) ?? 0)] : []));
      if (latencies.length === purchases) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      store: kind,
      purchases,
      concurrency,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
      seconds,
      fulfilled: latencies.length,
    };
  } finally {
    await shop.close();
  }
}

export async function runEndToEndBenchmark(options: { purchases: number; concurrency: number; databaseUrl: string; postgres: boolean }): Promise<EndToEndLatency[]> {
  const results: EndToEndLatency[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'settled-bench-e2e-'));
  const sqlite = await openStore({ kind: 'sqlite', path: join(dir, 'settled.sqlite') });
  try {
    results.push(await measure('SQLite', sqlite, options.purchases, options.concurrency));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`e2e: SQLite p50 ${results.at(-1)!.p50Ms} ms, p99 ${results.at(-1)!.p99Ms} ms`);
  if (!options.postgres) return results;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const postgres = await openStore({ kind: 'postgres', connectionString: options.databaseUrl, schema });
  try {
    results.push(await measure('PostgreSQL', postgres, options.purchases, options.concurrency));
  } finally {
    await postgres.close();
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
  console.log(`e2e: PostgreSQL p50 ${results.at(-1)!.p50Ms} ms, p99 ${results.at(-1)!.p99Ms} ms`);
  return results;
}
