import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { OrderTerms } from '../src/domain/order.js';
import { computeOrderRef } from '../src/domain/order-ref.js';
import { newOrderId } from '../src/operations/checkout.js';
import { createLogger } from '../src/logging.js';
import { StripeGateway } from '../src/stripe/gateway.js';
import { openStore, type NewInboxEvent, type Store } from '../src/store/index.js';
import { compileTs, cpuSeconds, firstJsonLine, postgresCpuSeconds, spawnJs, waitForExit } from './support/process.js';
import type { ChildProcess } from 'node:child_process';
import { InboxWorker } from '../src/worker/inbox-worker.js';
import { inboxEvent, sessionFor } from '../test/support/events.js';

export interface WorkerRun {
  readonly store: 'SQLite' | 'PostgreSQL';
  readonly workers: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Orders paid and given their one fulfillment by the run: must equal events. */
  readonly fulfilled: number;
  /** Worker processes only: CPU of the workers and of every postgres process, per event, in µs. */
  readonly cpuMicrosPerEvent?: { readonly workers: number; readonly postgres: number };
}

/** One configuration over its rounds: the median drain, every round's figure, and the fewest orders any round fulfilled. */
export interface WorkerThroughput extends WorkerRun {
  readonly processes: boolean;
  readonly roundsEventsPerSecond: readonly number[];
}

const REF_SECRET = 'bench-order-ref-secret-0123456789abcdef';
const logger = createLogger({ level: 'silent' });
// Paid sessions never need Stripe; anything that tried would fail fast here instead of waiting.
const unreachableStripe = new StripeGateway(new Stripe('sk_test_bench', { host: '127.0.0.1', port: 9, protocol: 'http', maxNetworkRetries: 0 }));

/** Makes `count` orders as checkout makes them, with their sessions; returns each one's paid event, not yet added. */
async function seed(store: Store, count: number): Promise<NewInboxEvent[]> {
  const events: NewInboxEvent[] = [];
  for (let i = 0; i < count; i++) {
    // The order's id as checkout makes it (in the order the orders were made); Stripe's ids for the session and
    // the event are random here.
    const createdAt = Date.now();
    const id = newOrderId(createdAt);
    const stripeSuffix = randomBytes(11).toString('hex');
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
      createdAt,
    };
    await store.orders.create(terms);
    const sessionId = `cs_test_${stripeSuffix}`;
    await store.orders.attachCheckoutSession(id, sessionId);
    events.push(inboxEvent(`evt_${stripeSuffix}`, 'checkout.session.completed', sessionFor({ ...terms, checkoutSessionId: sessionId }), Math.floor(Date.now() / 1000)));
  }
  return events;
}

/** After a run: every event must be processed (else the run fails); returns how many orders are paid and fulfilled. */
async function checkedFulfilled(store: Store, events: number): Promise<number> {
  const { counts } = await store.inbox.stats();
  if (counts.processed !== events) throw new Error(`worker bench: ${counts.processed} of ${events} events processed`);
  const orders = await store.orders.list({ limit: events + 10 });
  return orders.filter((order) => order.status === 'paid' && order.accessToken !== null).length;
}

async function addAll(store: Store, events: readonly NewInboxEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 500) await store.inbox.add(events.slice(start, start + 500));
}

async function measure(kind: WorkerRun['store'], open: () => Promise<Store>, events: number, workers: number): Promise<WorkerRun> {
  const stores = [await open()];
  await stores[0]!.migrate();
  await addAll(stores[0]!, await seed(stores[0]!, events));
  // One store (one pool, one SQLite connection) per worker, as separate processes would have.
  for (let i = 1; i < workers; i++) stores.push(await open());
  const started = performance.now();
  await Promise.all(stores.map((store) => new InboxWorker({ store, gateway: unreachableStripe, logger, now: Date.now }).drain()));
  const seconds = (performance.now() - started) / 1000;
  const fulfilled = await checkedFulfilled(stores[0]!, events).finally(() => Promise.all(stores.map((store) => store.close())));
  return { store: kind, workers, events, seconds, eventsPerSecond: events / seconds, fulfilled };
}

/**
 * `settled worker` as shipped: `workers` processes (bench/targets/worker.ts, the inbox worker and the outbox
 * dispatcher) started and idle first, then the events arrive, 500 to a commit; timed until every one is processed and
 * every paid order's message delivered, with the CPU the worker processes and the database server used meanwhile.
 */
async function measureProcesses(databaseUrl: string, events: number, workers: number): Promise<WorkerRun> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const store = await openStore({ kind: 'postgres', connectionString: databaseUrl, schema, poolSize: 4 });
  const processes: ChildProcess[] = [];
  try {
    await store.migrate();
    const arriving = await seed(store, events);
    const script = await compileTs('bench/targets/worker.ts');
    for (let i = 0; i < workers; i++) {
      const child = spawnJs(script, { BENCH_DATABASE_URL: databaseUrl, BENCH_PG_SCHEMA: schema });
      processes.push(child);
      await firstJsonLine(child, 30_000);
    }
    const cpuOf = () => processes.reduce((sum, child) => sum + cpuSeconds(child.pid ?? 0), 0);
    const [cpuBefore, postgresBefore] = [cpuOf(), postgresCpuSeconds()];
    const started = performance.now();
    await addAll(store, arriving);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { counts } = await store.inbox.stats();
      const undelivered = async () => (await store.outbox.list({ status: 'pending', limit: 1 })).length + (await store.outbox.list({ status: 'processing', limit: 1 })).length;
      if (counts.processed + counts.ignored + counts.dead >= events && (await undelivered()) === 0) break;
      if (Date.now() > deadline) throw new Error(`worker bench: ${counts.processed} of ${events} events processed after 120 s`);
      // Looking costs the server too (a count of the inbox): often enough to time a run of seconds, not more.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuMicrosPerEvent = { workers: ((cpuOf() - cpuBefore) * 1e6) / events, postgres: ((postgresCpuSeconds() - postgresBefore) * 1e6) / events };
    const fulfilled = await checkedFulfilled(store, events);
    return { store: 'PostgreSQL', workers, events, seconds, eventsPerSecond: events / seconds, fulfilled, cpuMicrosPerEvent };
  } finally {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => waitForExit(child, 10_000)));
    await store.close();
    await dropSchema(databaseUrl, schema);
  }
}

interface Configuration {
  readonly store: WorkerRun['store'];
  readonly workers: number;
  /** Separate `settled worker` processes, rather than workers on the bench's own event loop. */
  readonly processes: boolean;
  run(round: number): Promise<WorkerRun>;
}

/**
 * Each configuration drains `events` once per round, round after round in turn (as the ingest bench does), so that a
 * machine slowing down mid-run slows every configuration alike; a configuration's figure is its median round.
 */
export async function runWorkerBenchmark(options: { events: number; rounds: number; databaseUrl: string; postgres: boolean }): Promise<WorkerThroughput[]> {
  const dir = mkdtempSync(join(tmpdir(), 'settled-bench-worker-'));
  const configurations: Configuration[] = [];
  for (const workers of [1, 3]) {
    configurations.push({
      store: 'SQLite',
      workers,
      processes: false,
      run: async (round) => {
        const path = join(dir, `w${workers}-${round}.sqlite`);
        try {
          return await measure('SQLite', () => openStore({ kind: 'sqlite', path }), options.events, workers);
        } finally {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        }
      },
    });
  }
  if (options.postgres) {
    for (const workers of [1, 3]) {
      configurations.push({
        store: 'PostgreSQL',
        workers,
        processes: false,
        run: async () => {
          const schema = `bench_${randomBytes(5).toString('hex')}`;
          try {
            return await measure('PostgreSQL', () => openStore({ kind: 'postgres', connectionString: options.databaseUrl, schema, poolSize: 4 }), options.events, workers);
          } finally {
            await dropSchema(options.databaseUrl, schema);
          }
        },
      });
    }
  }
  if (options.postgres) {
    for (const workers of [1, 3]) configurations.push({ store: 'PostgreSQL', workers, processes: true, run: () => measureProcesses(options.databaseUrl, options.events, workers) });
  }
  const runs = new Map<Configuration, WorkerRun[]>(configurations.map((configuration) => [configuration, []]));
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const configuration of configurations) {
        const run = await configuration.run(round);
        runs.get(configuration)!.push(run);
        const cpu = run.cpuMicrosPerEvent ? `, CPU per event ${run.cpuMicrosPerEvent.workers.toFixed(0)} µs workers + ${run.cpuMicrosPerEvent.postgres.toFixed(0)} µs postgres` : '';
        console.log(`worker: round ${round}/${options.rounds}: ${describeConfiguration(configuration)}: ${run.eventsPerSecond.toFixed(0)} events/s${cpu}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return configurations.map((configuration) => ({ ...medianOf(runs.get(configuration)!), processes: configuration.processes }));
}

function describeConfiguration({ store, workers, processes }: Pick<Configuration, 'store' | 'workers' | 'processes'>): string {
  return processes ? `${store}, ${workers} \`settled worker\` process${workers > 1 ? 'es' : ''}` : `${store} × ${workers} on one event loop`;
}
export { describeConfiguration };

function medianOf(runs: readonly WorkerRun[]): Omit<WorkerThroughput, 'processes'> {
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...median, fulfilled: Math.min(...runs.map((run) => run.fulfilled)), roundsEventsPerSecond: runs.map((run) => run.eventsPerSecond) };
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
