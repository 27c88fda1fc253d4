import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { parseCatalog } from '../../src/domain/catalog.js';
import { createLogger } from '../../src/logging.js';
import { createSettled } from '../../src/settled.js';
import { createStripeClient } from '../../src/stripe/gateway.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { announceReady, requiredEnv } from './ready.js';
import { diagnosticQueues } from './queues.js';
import { seedPostgresOrders, seedSqliteOrders } from '../support/seed-orders.js';
import { recordBatches, traceTail } from '../support/tail-trace.js';

/** Wraps each queue's claim to count the items of every claim that found some. */
function recordClaims(store: Store): Record<'inbox' | 'outbox', number[]> {
  const claims = { inbox: [] as number[], outbox: [] as number[] };
  for (const queue of ['inbox', 'outbox'] as const) {
    const target = store[queue] as { claim: (input: never) => Promise<unknown[]> };
    const claim = target.claim.bind(target);
    target.claim = async (input: never) => {
      const rows = await claim(input);
      if (rows.length > 0) claims[queue].push(rows.length);
      return rows;
    };
  }
  return claims;
}

/** For profiling: how many events each group commit carried and how long it took, and each queue's claim sizes, printed at exit. */
function traceBatches(store: Store): void {
  const batches = recordBatches(store);
  const claims = recordClaims(store);
  process.once('exit', () => {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const sizes = batches.map((b) => b.events);
    const durations = batches.map((b) => b.endMs - b.startMs);
    process.stderr.write(`batches ${sizes.length}, events ${sum(sizes)}, mean size ${(sum(sizes) / sizes.length).toFixed(1)}, max ${Math.max(...sizes)}, mean commit ${(sum(durations) / durations.length).toFixed(2)} ms\n`);
    for (const [queue, counts] of Object.entries(claims)) {
      const sorted = [...counts].sort((a, b) => a - b);
      process.stderr.write(`${queue} claims ${counts.length}, items ${sum(counts)}, p50 ${sorted[sorted.length >> 1] ?? 0}, max ${sorted.at(-1) ?? 0}\n`);
    }
  });
}

/** For profiling: where the memory is at exit (V8 heap spaces, buffers, everything else). */
function traceMemory(): void {
  process.once('exit', () => {
    const mb = (n: number) => `${(n / 1048576).toFixed(1)}`;
    const usage = process.memoryUsage();
    const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name.replace('_space', '')} ${mb(s.space_size)}`).join(', ');
    process.stderr.write(`memory MB: rss ${mb(usage.rss)}, heap ${mb(usage.heapUsed)}/${mb(usage.heapTotal)}, external ${mb(usage.external)}, arrayBuffers ${mb(usage.arrayBuffers)}; spaces: ${spaces}\n`);
  });
}

// The real webhook endpoint of createSettled: with the worker off (the intake alone: verify → group commit → 2xx), or
// with BENCH_WORKER=1 on, as `settled serve` ships, applying what it takes in to the orders BENCH_ORDERS seeds.
const secret = requiredEnv('BENCH_SECRET');
const databaseUrl = process.env.BENCH_DATABASE_URL;
const store = databaseUrl
  ? await openStore({ kind: 'postgres', connectionString: databaseUrl, schema: requiredEnv('BENCH_PG_SCHEMA') })
  : await openStore({ kind: 'sqlite', path: requiredEnv('BENCH_SQLITE_PATH') });
if (process.env.BENCH_TRACE_BATCHES === '1') traceBatches(store);
// The tail bench: event-loop stalls, GC pauses, group commits and WAL checkpoints, written to this file at exit.
if (process.env.BENCH_TAIL_TRACE) traceTail(store, process.env.BENCH_TAIL_TRACE, databaseUrl ? undefined : requiredEnv('BENCH_SQLITE_PATH'));
const seedCount = Number(process.env.BENCH_ORDERS ?? 0);
if (seedCount > 0) {
  await store.migrate();
  const runId = requiredEnv('BENCH_RUN_ID');
  if (databaseUrl) await seedPostgresOrders(databaseUrl, requiredEnv('BENCH_PG_SCHEMA'), runId, seedCount);
  else seedSqliteOrders(requiredEnv('BENCH_SQLITE_PATH'), runId, seedCount);
}
if (process.env.BENCH_TRACE_MEMORY === '1') traceMemory();
// Diagnostic only: how much the per-request delivery-log insert costs (it is not part of the group commit).
if (process.env.BENCH_WITHOUT_DELIVERY_LOG === '1') {
  store.deliveryLog.record = async () => undefined;
  store.deliveryLog.recordMany = async () => undefined;
}
const catalog = parseCatalog(JSON.parse(readFileSync(join(process.cwd(), 'catalog', 'demo.json'), 'utf8')));
const settled = await createSettled({
  store,
  stripe: createStripeClient({ secretKey: 'sk_test_bench', apiBase: 'http://127.0.0.1:9' }),
  webhookSecrets: [secret],
  catalog,
  orderRefSecret: 'bench-order-ref-secret-0123456789abcdef',
  publicUrl: 'http://127.0.0.1',
  // Per-request info lines would measure pino, not the intake; warnings and errors still print.
  logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }),
  worker: { enabled: process.env.BENCH_WORKER === '1', queues: diagnosticQueues() },
  // The buyer limiter stays on but must not cap a one-address load; the webhook's counts refusals only.
  rateLimits: { buyerPerMinute: 1_000_000, webhookRejectedPerMinute: 1_000_000_000 },
});
await settled.app.listen({ port: 0, host: '127.0.0.1' });
// As `settled serve` does: the worker and the outbox dispatcher start with the server (when enabled).
settled.start();
announceReady((settled.app.server.address() as AddressInfo).port, async () => {
  await settled.close();
  await store.close();
});
