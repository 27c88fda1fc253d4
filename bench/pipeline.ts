import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { LoadResult, LoadSpec } from './load.js';
import { isChosen } from './support/only.js';
import { compileTs, cpuSeconds, firstJsonLine, postgresCpuSeconds, spawnJs, waitForExit } from './support/process.js';

/*
 * The sustained-load benchmark: paid checkout.session.completed events for orders that exist, sent at a fixed rate
 * for long enough to reach a steady state, one rate after another (a ramp), each on a fresh store. For each rate it
 * reads from the store what happened to every acknowledged event: inbox lag (received → processed), arrival →
 * fulfilled (received → the shop's order.fulfilled handler ran), and checks that nothing was lost and every order
 * was fulfilled once. The highest rate whose lag p99 stayed under a second is what the configuration sustains.
 */
export interface PipelineOptions {
  readonly rates: readonly number[];
  readonly durationSeconds: number;
  readonly connections: number;
  readonly databaseUrl: string;
  readonly postgres: boolean;
  /** Diagnosis: only the configurations whose name contains one of these (lower case); all when empty. */
  readonly only: readonly string[];
}

export type PipelineConfiguration = 'SQLite, one serve' | 'PostgreSQL, serve --no-worker + 1 worker' | 'PostgreSQL, serve --no-worker + 3 workers';

export interface PipelineStep {
  readonly configuration: PipelineConfiguration;
  readonly rate: number;
  readonly acceptedPerSecond: number;
  readonly accepted: number;
  readonly processed: number;
  readonly lagMs: Percentiles;
  readonly arrivalToFulfilledMs: Percentiles;
  /** Acknowledged events not processed once the step drained (must be 0), and orders fulfilled other than once. */
  readonly lost: number;
  readonly notFulfilledOnce: number;
  /** CPU of settled's processes (not the database server's) per processed event. */
  readonly cpuMicrosPerEvent: number;
  /** CPU of every postgres process on the machine per processed event (the machine is shared: an upper bound). */
  readonly postgresCpuMicrosPerEvent: number | null;
  readonly intakeP99Ms: number;
  readonly sustained: boolean;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const DRAIN_TIMEOUT_MS = 60_000;

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

interface Observed {
  /** Per acknowledged event id: when it was received and processed, and its status. */
  readonly events: Map<string, { receivedAt: number; processedAt: number | null; status: string }>;
  /** Fulfillments per order, and when the order.fulfilled handler ran (by the fulfilling event). */
  readonly fulfillments: Map<string, { count: number; eventId: string }>;
  readonly delivered: Map<string, number>;
}

type Query = (text: string) => Promise<Record<string, unknown>[]>;

async function observe(query: Query): Promise<Observed> {
  const events = new Map<string, { receivedAt: number; processedAt: number | null; status: string }>();
  for (const row of await query('select id, received_at, processed_at, status from inbox_events')) {
    events.set(String(row['id']), { receivedAt: Number(row['received_at']), processedAt: row['processed_at'] === null ? null : Number(row['processed_at']), status: String(row['status']) });
  }
  const fulfillments = new Map<string, { count: number; eventId: string }>();
  for (const row of await query('select order_id, event_id from fulfillments')) {
    const seen = fulfillments.get(String(row['order_id']));
    fulfillments.set(String(row['order_id']), { count: (seen?.count ?? 0) + 1, eventId: String(row['event_id']) });
  }
  const delivered = new Map<string, number>();
  for (const row of await query("select order_id, delivered_at from outbox where kind = 'order.fulfilled' and status = 'delivered'")) {
    delivered.set(String(row['order_id']), Number(row['delivered_at']));
  }
  return { events, fulfillments, delivered };
}

async function step(configuration: PipelineConfiguration, rate: number, options: PipelineOptions, dir: string): Promise<PipelineStep> {
  const runId = randomBytes(4).toString('hex');
  const secret = `whsec_bench${randomBytes(16).toString('hex')}`;
  const orders = Math.ceil(rate * (options.durationSeconds + 2)) + 1_000;
  const onPostgres = configuration.startsWith('PostgreSQL');
  const workers = configuration.endsWith('3 workers') ? 3 : configuration.endsWith('1 worker') ? 1 : 0;
  const path = join(dir, `${runId}.sqlite`);
  const schema = `bench_${runId}`;
  const storeEnv: Record<string, string> = onPostgres ? { BENCH_DATABASE_URL: options.databaseUrl, BENCH_PG_SCHEMA: schema } : { BENCH_SQLITE_PATH: path };
  const processes: ChildProcess[] = [];
  const ackedIdsPath = join(dir, `${runId}.acked`);
  let closeSqlite: (() => void) | undefined;
  const client = onPostgres ? new pg.Client({ connectionString: options.databaseUrl }) : undefined;
  try {
    const serve = spawnJs(await compileTs('bench/targets/settled.ts'), { ...storeEnv, BENCH_SECRET: secret, BENCH_WORKER: onPostgres ? '0' : '1', BENCH_ORDERS: String(orders), BENCH_RUN_ID: runId });
    processes.push(serve);
    const { port } = await firstJsonLine<{ port: number }>(serve, 180_000);
    const workerScript = await compileTs('bench/targets/worker.ts');
    for (let i = 0; i < workers; i++) {
      const worker = spawnJs(workerScript, storeEnv);
      processes.push(worker);
      await firstJsonLine(worker, 30_000);
    }
    let query: Query;
    if (client) {
      await client.connect();
      query = async (text) => (await client.query<Record<string, unknown>>(text.replaceAll(/\b(inbox_events|fulfillments|outbox)\b/g, `"${schema}".$1`))).rows;
    } else {
      const database = new BetterSqlite3(path, { readonly: true });
      closeSqlite = () => database.close();
      query = async (text) => database.prepare(text).all() as Record<string, unknown>[];
    }

    const load: LoadSpec = { url: `http://127.0.0.1:${port}/api/webhooks/stripe`, secret, runId, connections: options.connections, warmupSeconds: 0, durationSeconds: options.durationSeconds, poolSize: orders - 1_000, ackedIdsPath, ratePerSecond: rate };
    const cpuOf = () => processes.reduce((sum, child) => sum + cpuSeconds(child.pid ?? 0), 0);
    const cpuBefore = cpuOf();
    const postgresBefore = onPostgres ? postgresCpuSeconds() : 0;
    const loader = spawnJs(await compileTs('bench/load.ts'), { BENCH_LOAD: JSON.stringify(load) });
    const result = await firstJsonLine<LoadResult>(loader, (options.durationSeconds + 120) * 1000, () => undefined);
    await waitForExit(loader, 10_000);
    const acked = readFileSync(ackedIdsPath, 'utf8').split('\n').filter((id) => id.length > 0);

    // Drained: every acknowledged event processed, and each order it paid told to the shop's handler.
    let observed = await observe(query);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    const drained = (o: Observed) => acked.every((id) => o.events.get(id)?.processedAt != null) && o.delivered.size >= o.fulfillments.size;
    while (!drained(observed) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      observed = await observe(query);
    }
    const cpuUsed = cpuOf() - cpuBefore;
    const postgresUsed = onPostgres ? postgresCpuSeconds() - postgresBefore : null;

    const lags: number[] = [];
    const toFulfilled: number[] = [];
    let lost = 0;
    for (const id of acked) {
      const event = observed.events.get(id);
      if (event?.processedAt == null || event.status !== 'processed') lost += 1;
      else lags.push(event.processedAt - event.receivedAt);
    }
    let notFulfilledOnce = 0;
    for (const id of acked) {
      const orderId = `ord_${id.slice(4)}`;
      const fulfilled = observed.fulfillments.get(orderId);
      if (fulfilled?.count !== 1) {
        notFulfilledOnce += 1;
        continue;
      }
      const deliveredAt = observed.delivered.get(orderId);
      const receivedAt = observed.events.get(fulfilled.eventId)?.receivedAt;
      if (deliveredAt !== undefined && receivedAt !== undefined) toFulfilled.push(deliveredAt - receivedAt);
    }
    const lagMs = percentiles(lags);
    const processed = lags.length;
    return {
      configuration,
      rate,
      acceptedPerSecond: result.requestsPerSecond,
      accepted: acked.length,
      processed,
      lagMs,
      arrivalToFulfilledMs: percentiles(toFulfilled),
      lost,
      notFulfilledOnce,
      cpuMicrosPerEvent: processed > 0 ? (cpuUsed * 1e6) / processed : 0,
      postgresCpuMicrosPerEvent: postgresUsed === null || processed === 0 ? null : (postgresUsed * 1e6) / processed,
      intakeP99Ms: result.latencyP99Ms,
      sustained: lost === 0 && lagMs.p99 < 1_000 && result.non2xx === 0 && result.requestsPerSecond >= rate * 0.95,
    };
  } finally {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => waitForExit(child, 10_000)));
    if (client) {
      await client.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    closeSqlite?.();
    for (const file of [path, `${path}-wal`, `${path}-shm`, ackedIdsPath]) rmSync(file, { force: true });
  }
}

/** Each configuration up the ramp, until a rate is not sustained (the rates above it would not be either). */
export async function runPipelineBenchmark(options: PipelineOptions): Promise<PipelineStep[]> {
  const configurations: PipelineConfiguration[] = ['SQLite, one serve'];
  if (options.postgres) configurations.push('PostgreSQL, serve --no-worker + 1 worker', 'PostgreSQL, serve --no-worker + 3 workers');
  const chosen = configurations.filter((name) => isChosen(options.only, name));
  const dir = mkdtempSync(join(tmpdir(), 'settled-bench-pipeline-'));
  const steps: PipelineStep[] = [];
  try {
    for (const configuration of chosen) {
      for (const rate of options.rates) {
        console.log(`pipeline: ${configuration} at ${rate} events/s …`);
        const result = await step(configuration, rate, options, dir);
        steps.push(result);
        console.log(
          `  accepted ${result.acceptedPerSecond.toFixed(0)}/s, lag p50 ${result.lagMs.p50} ms p99 ${result.lagMs.p99} ms max ${result.lagMs.max} ms, to fulfilled p99 ${result.arrivalToFulfilledMs.p99} ms, lost ${result.lost}, not fulfilled once ${result.notFulfilledOnce}, CPU ${result.cpuMicrosPerEvent.toFixed(0)} µs/event${result.postgresCpuMicrosPerEvent === null ? '' : ` + postgres ${result.postgresCpuMicrosPerEvent.toFixed(0)} µs`}`,
        );
        if (!result.sustained) break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}
