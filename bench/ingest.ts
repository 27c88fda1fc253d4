import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { LoadResult, LoadSpec } from './load.js';
import { WARMED_UP_LINE } from './support/load-phases.js';
import { isChosen } from './support/only.js';
import { compileTs, cpuSeconds, firstJsonLine, machineCpuSeconds, peakRssBytes, spawnJs, waitForExit } from './support/process.js';

export interface IngestOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Every target is measured this many times, interleaved; the report gives the medians. */
  readonly rounds: number;
  readonly databaseUrl: string;
  /** Measure only the targets whose name contains one of these words (lower case). */
  readonly only?: readonly string[];
  /** A fixed request rate instead of as fast as the target answers: to compare CPU per request, not throughput. */
  readonly ratePerSecond?: number;
  /** For profiling: each target writes its V8 CPU profile here (the load generator's is not taken). */
  readonly cpuProfileDir?: string;
  /** Evenly spaced requests, open loop, at this rate (see bench/support/paced-load.ts), instead of autocannon. */
  readonly pacedRatePerSecond?: number;
  /** Requests a second the ready-made events cover (default POOL_RATE); beyond them the generator makes more, counted. */
  readonly poolRatePerSecond?: number;
  /** For the tail: each target records its stalls, GC pauses and commits here, and the load generator each answer. */
  readonly traceDir?: string;
}

/** The request rate the load generator's pool of ready-made events covers (see LoadResult.eventsMadeDuringRun). */
const POOL_RATE = 40_000;

export type TargetName =
  | 'ceiling'
  | 'signature check only'
  | 'seed-reference'
  | 'settled (SQLite)'
  | 'settled (PostgreSQL)'
  | 'settled serve, worker on (SQLite)'
  | 'settled serve, worker on (PostgreSQL)';

/** Orders seeded for the worker-on targets: more than their events at any rate measured so far. */
const WORKER_ON_ORDERS = Number(process.env.BENCH_INGEST_ORDERS ?? 120_000);

export interface TargetResult extends LoadResult {
  readonly target: TargetName;
  readonly peakRssBytes: number;
  /** The target process's CPU time (all its threads; not PostgreSQL's server) per request sent in the measured run. */
  readonly cpuMicrosPerRequest: number;
  /** Events found in the target's store after the run (null: the ceiling stores nothing). */
  readonly stored: number | null;
  /** 2xx answers (warm-up included) whose event is missing from the store: must be 0. */
  readonly acknowledgedButMissing: number | null;
  readonly ratioToCeiling?: number;
  readonly ratioToSeedReference?: number;
  /** Worker on: events processed during the measured run, per event accepted in it (null: no worker). */
  readonly processedPerAccepted: number | null;
  readonly ratioToIntakeAlone?: number;
  /** With traceDir: the target's TailTrace and the load generator's PacedResponse[] files. */
  readonly traceFiles?: { readonly target: string; readonly responses: string };
  /** Shares of all the machine's CPU time (every core) in the measured run: the target's, the load generator's, all busy. */
  readonly machineCpu?: { readonly target: number; readonly loadGenerator: number; readonly busy: number };
}

export interface IngestReport {
  /** Per target, over its rounds: medians of the speed figures, totals of what was lost or failed. */
  readonly results: TargetResult[];
  /** Every round of every target as measured. */
  readonly rounds: Record<string, TargetResult[]>;
  readonly skipped: { target: TargetName; reason: string }[];
  readonly postgresSynchronousCommit: string | null;
  readonly targets: { name: string; met: boolean; detail: string }[];
}

/** A target by name, and how to set it up for one round (fresh store each time). */
interface Target {
  readonly name: TargetName;
  forRound(round: number): TargetSpec;
}

interface TargetSpec {
  readonly name: TargetName;
  readonly script: string;
  readonly path: string;
  readonly env: Record<string, string>;
  /** Every event id in the target's store after it stopped. */
  readonly storedIds: (() => Promise<Set<string>>) | null;
  /** Worker on: how many events the store holds as processed now. */
  readonly processedCount?: () => Promise<number>;
  readonly cleanup: () => Promise<void>;
}

/** `settled serve` as shipped: the worker on, applying the events to orders that exist (seeded before the run). */
const WORKER_ON_ENV = { BENCH_WORKER: '1', BENCH_ORDERS: String(WORKER_ON_ORDERS) };

function sqliteProcessed(path: string): number {
  const database = new BetterSqlite3(path, { readonly: true });
  try {
    return (database.prepare("select count(*) as n from inbox_events where status = 'processed'").get() as { n: number }).n;
  } finally {
    database.close();
  }
}

function sqliteIds(path: string, table: string): Set<string> {
  const database = new BetterSqlite3(path, { readonly: true });
  try {
    return new Set((database.prepare(`select id from ${table}`).all() as { id: string }[]).map((row) => row.id));
  } finally {
    database.close();
  }
}

async function withPg<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function measure(spec: TargetSpec, options: IngestOptions, secret: string): Promise<TargetResult> {
  const profiling = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const runId = randomBytes(4).toString('hex');
  const traceFiles = options.traceDir
    ? { target: join(options.traceDir, `${spec.name.replace(/\W+/g, '-')}-${runId}-target.json`), responses: join(options.traceDir, `${spec.name.replace(/\W+/g, '-')}-${runId}-responses.json`) }
    : undefined;
  const traceEnv: Record<string, string> = traceFiles ? { BENCH_TAIL_TRACE: traceFiles.target } : {};
  const server = spawnJs(await compileTs(spec.script), { ...spec.env, ...traceEnv, BENCH_SECRET: secret, BENCH_RUN_ID: runId }, profiling);
  // Seeding the worker-on targets' orders takes a while before they answer.
  const { port } = await firstJsonLine<{ port: number }>(server, 180_000);
  const ackedIdsPath = join(tmpdir(), `settled-bench-acked-${randomBytes(4).toString('hex')}.txt`);
  const load: LoadSpec = {
    url: `http://127.0.0.1:${port}${spec.path}`,
    secret,
    runId,
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    // Enough for 40,000 requests a second, more than any target reaches on the machines measured so far.
    poolSize: Math.ceil((options.pacedRatePerSecond ?? options.poolRatePerSecond ?? POOL_RATE) * (options.warmupSeconds + options.durationSeconds)) + options.connections,
    ackedIdsPath,
    ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond } : {}),
    ...(options.pacedRatePerSecond ? { pacedRatePerSecond: options.pacedRatePerSecond } : {}),
    ...(traceFiles ? { responsesPath: traceFiles.responses } : {}),
  };
  const loader = spawnJs(await compileTs('bench/load.ts'), { BENCH_LOAD: JSON.stringify(load) });
  // CPU is counted over the measured run only: during the warm-up V8 is still compiling the target's hot code.
  let cpuAtStart: number | undefined;
  let machineAtStart: { busy: number; total: number } | undefined;
  let processedAtStart: Promise<number> | undefined;
  const result = await firstJsonLine<LoadResult>(loader, (options.warmupSeconds + options.durationSeconds + 120) * 1000, (line) => {
    if (line !== WARMED_UP_LINE) return;
    cpuAtStart = cpuSeconds(server.pid ?? 0);
    machineAtStart = machineCpuSeconds();
    processedAtStart = spec.processedCount?.();
  });
  const machineAtEnd = machineCpuSeconds();
  const processedAtEnd = await spec.processedCount?.();
  await waitForExit(loader, 10_000);
  const processedInRun = processedAtEnd === undefined || processedAtStart === undefined ? null : processedAtEnd - (await processedAtStart);
  const peak = peakRssBytes(server.pid ?? 0);
  if (cpuAtStart === undefined) throw new Error('the load generator never said its warm-up was over');
  const cpuUsed = cpuSeconds(server.pid ?? 0) - cpuAtStart;
  const machineTotal = machineAtEnd.total - (machineAtStart?.total ?? 0);
  const shareOfMachine = (seconds: number) => (machineTotal > 0 ? seconds / machineTotal : 0);
  // Of every core's time in the measured run: the target's, the load generator's, and everything else's (other work).
  const machineCpu = {
    target: shareOfMachine(cpuUsed),
    loadGenerator: shareOfMachine(result.loadGeneratorCpuSeconds ?? 0),
    busy: shareOfMachine(machineAtEnd.busy - (machineAtStart?.busy ?? 0)),
  };
  const sent = result.eventsMade - result.eventsMadeInWarmup;
  server.kill('SIGTERM');
  await waitForExit(server, 10_000);
  const acked = readFileSync(ackedIdsPath, 'utf8').split('\n').filter((id) => id.length > 0);
  rmSync(ackedIdsPath, { force: true });
  let stored: number | null = null;
  let missing: number | null = null;
  if (spec.storedIds) {
    const ids = await spec.storedIds();
    stored = ids.size;
    missing = acked.filter((id) => !ids.has(id)).length;
  }
  await spec.cleanup();
  const processedPerAccepted = processedInRun === null || result.acknowledged === 0 ? null : processedInRun / result.acknowledged;
  return {
    target: spec.name,
    ...result,
    peakRssBytes: peak,
    cpuMicrosPerRequest: sent > 0 ? (cpuUsed * 1e6) / sent : 0,
    stored,
    acknowledgedButMissing: missing,
    processedPerAccepted,
    machineCpu,
    ...(traceFiles ? { traceFiles } : {}),
  };
}

function targetChecks(byName: Map<TargetName, TargetResult>): IngestReport['targets'] {
  const checks: IngestReport['targets'] = [];
  const sqlite = byName.get('settled (SQLite)');
  const postgres = byName.get('settled (PostgreSQL)');
  const fmt = (n: number | undefined) => (n === undefined ? 'n/a' : n.toFixed(2));
  if (sqlite) {
    checks.push({ name: 'settled (SQLite) ≥ 60% of ceiling', met: (sqlite.ratioToCeiling ?? 0) >= 0.6, detail: `${fmt((sqlite.ratioToCeiling ?? 0) * 100)}%` });
    checks.push({ name: 'settled (SQLite) ≥ 4× seed-reference', met: (sqlite.ratioToSeedReference ?? 0) >= 4, detail: `${fmt(sqlite.ratioToSeedReference)}×` });
    checks.push({ name: 'settled (SQLite) p99 ≤ 20 ms', met: sqlite.latencyP99Ms <= 20, detail: `${sqlite.latencyP99Ms} ms` });
    checks.push({ name: 'settled (SQLite) peak RSS ≤ 200 MB', met: sqlite.peakRssBytes <= 200 * 1024 * 1024, detail: `${(sqlite.peakRssBytes / 1024 / 1024).toFixed(0)} MB` });
  }
  const signatureOnly = byName.get('signature check only');
  if (sqlite && signatureOnly) {
    const ratio = sqlite.cpuMicrosPerRequest / signatureOnly.cpuMicrosPerRequest;
    checks.push({ name: 'settled (SQLite) CPU per request ≤ 1.6× signature check only', met: ratio <= 1.6, detail: `${fmt(ratio)}× (${sqlite.cpuMicrosPerRequest.toFixed(0)} vs ${signatureOnly.cpuMicrosPerRequest.toFixed(0)} µs)` });
  }
  if (postgres) {
    checks.push({ name: 'settled (PostgreSQL) ≥ 4× seed-reference', met: (postgres.ratioToSeedReference ?? 0) >= 4, detail: `${fmt(postgres.ratioToSeedReference)}×` });
  }
  for (const store of ['SQLite', 'PostgreSQL'] as const) {
    const shipped = byName.get(`settled serve, worker on (${store})`);
    if (!shipped) continue;
    checks.push({ name: `settled serve, worker on (${store}): webhook req/s ≥ 0.7× the intake alone`, met: (shipped.ratioToIntakeAlone ?? 0) >= 0.7, detail: `${fmt(shipped.ratioToIntakeAlone)}×` });
    checks.push({ name: `settled serve, worker on (${store}): p99 ≤ 20 ms`, met: shipped.latencyP99Ms <= 20, detail: `${shipped.latencyP99Ms} ms` });
    checks.push({ name: `settled serve, worker on (${store}): processed ÷ accepted ≥ 1.0`, met: (shipped.processedPerAccepted ?? 0) >= 1, detail: fmt(shipped.processedPerAccepted ?? undefined) });
  }
  for (const result of byName.values()) {
    if (result.acknowledgedButMissing === null) continue;
    checks.push({ name: `${result.target}: every 2xx stored`, met: result.acknowledgedButMissing === 0, detail: `${result.acknowledgedButMissing} missing` });
  }
  return checks;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * One target over its rounds: the median of each speed figure (a noisy machine moves single runs by a fifth),
 * the highest peak RSS, and everything lost or failed added up over every round.
 */
function combineRounds(rounds: readonly TargetResult[]): TargetResult {
  const first = rounds[0];
  if (first === undefined) throw new Error('no rounds to combine');
  const mid = (pick: (r: TargetResult) => number) => median(rounds.map(pick));
  const sum = (pick: (r: TargetResult) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const sumOrNull = (pick: (r: TargetResult) => number | null) => (rounds.some((r) => pick(r) === null) ? null : sum((r) => pick(r) ?? 0));
  return {
    target: first.target,
    requestsPerSecond: mid((r) => r.requestsPerSecond),
    latencyP50Ms: mid((r) => r.latencyP50Ms),
    latencyP99Ms: mid((r) => r.latencyP99Ms),
    latencyMaxMs: Math.max(...rounds.map((r) => r.latencyMaxMs)),
    ok2xx: sum((r) => r.ok2xx),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    acknowledged: sum((r) => r.acknowledged),
    eventsMade: sum((r) => r.eventsMade),
    eventsMadeInWarmup: sum((r) => r.eventsMadeInWarmup),
    eventsMadeDuringRun: sum((r) => r.eventsMadeDuringRun),
    peakRssBytes: Math.max(...rounds.map((r) => r.peakRssBytes)),
    cpuMicrosPerRequest: mid((r) => r.cpuMicrosPerRequest),
    stored: sumOrNull((r) => r.stored),
    acknowledgedButMissing: sumOrNull((r) => r.acknowledgedButMissing),
    processedPerAccepted: rounds.some((r) => r.processedPerAccepted === null) ? null : mid((r) => r.processedPerAccepted ?? 0),
  };
}

export async function runIngestBenchmark(options: IngestOptions): Promise<IngestReport> {
  const secret = `whsec_bench${randomBytes(16).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'settled-bench-'));
  const skipped: IngestReport['skipped'] = [];
  const sqliteTarget = (name: TargetName, script: string, path: string, table: string, extraEnv: Record<string, string> = {}): Target => ({
    name,
    forRound: (round) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}-${round}.sqlite`);
      return {
        name,
        script,
        path,
        env: { BENCH_SQLITE_PATH: file, ...extraEnv },
        storedIds: async () => sqliteIds(file, table),
        ...(extraEnv['BENCH_WORKER'] === '1' ? { processedCount: async () => sqliteProcessed(file) } : {}),
        cleanup: async () => {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
        },
      };
    },
  });
  // Each round gets fresh stores: every target starts from the same empty database each time.
  const targets: Target[] = [
    { name: 'ceiling', forRound: () => ({ name: 'ceiling', script: 'bench/targets/ceiling.ts', path: '/webhook', env: {}, storedIds: null, cleanup: async () => undefined }) },
    {
      name: 'signature check only',
      forRound: () => ({ name: 'signature check only', script: 'bench/targets/signature-only.ts', path: '/webhook', env: {}, storedIds: null, cleanup: async () => undefined }),
    },
    sqliteTarget('seed-reference', 'bench/targets/seed-reference.ts', '/webhook', 'processed_events'),
    sqliteTarget('settled (SQLite)', 'bench/targets/settled.ts', '/api/webhooks/stripe', 'inbox_events'),
    sqliteTarget('settled serve, worker on (SQLite)', 'bench/targets/settled.ts', '/api/webhooks/stripe', 'inbox_events', WORKER_ON_ENV),
  ];
  let synchronousCommit: string | null = null;
  try {
    synchronousCommit = await withPg(options.databaseUrl, async (client) => (await client.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]?.synchronous_commit ?? null);
    const postgresTarget = (name: TargetName, extraEnv: Record<string, string>): Target => ({
      name,
      forRound: () => {
        const schema = `bench_${randomBytes(5).toString('hex')}`;
        return {
          name,
          script: 'bench/targets/settled.ts',
          path: '/api/webhooks/stripe',
          env: { BENCH_DATABASE_URL: options.databaseUrl, BENCH_PG_SCHEMA: schema, ...extraEnv },
          storedIds: () =>
            withPg(options.databaseUrl, async (client) => new Set((await client.query<{ id: string }>(`select id from "${schema}".inbox_events`)).rows.map((row) => row.id))),
          ...(extraEnv['BENCH_WORKER'] === '1'
            ? { processedCount: () => withPg(options.databaseUrl, async (client) => Number((await client.query<{ n: string }>(`select count(*) as n from "${schema}".inbox_events where status = 'processed'`)).rows[0]?.n ?? 0)) }
            : {}),
          cleanup: () => withPg(options.databaseUrl, async (client) => void (await client.query(`drop schema if exists "${schema}" cascade`))),
        };
      },
    });
    targets.push(postgresTarget('settled (PostgreSQL)', {}), postgresTarget('settled serve, worker on (PostgreSQL)', WORKER_ON_ENV));
  } catch (error) {
    const reason = `PostgreSQL at ${options.databaseUrl.replace(/\/\/[^@]*@/, '//…@')} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    console.warn(`Skipping settled (PostgreSQL): ${reason}`);
    skipped.push({ target: 'settled (PostgreSQL)', reason });
  }
  const only = options.only ?? [];
  const chosen = targets.filter((target) => isChosen(only, target.name));
  const rounds = new Map<TargetName, TargetResult[]>();
  try {
    // Round by round, every target in turn: a machine that slows down mid-run slows every target alike.
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of chosen) {
        const spec = target.forRound(round);
        console.log(`ingest: round ${round}/${options.rounds}: ${spec.name} …`);
        const result = await measure(spec, options, secret);
        console.log(`  ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, non-2xx ${result.non2xx}, peak RSS ${(result.peakRssBytes / 1048576).toFixed(0)} MB, CPU ${result.cpuMicrosPerRequest.toFixed(0)} µs/req, stored ${result.stored ?? '-'}, missing ${result.acknowledgedButMissing ?? '-'}`);
        if (result.eventsMadeDuringRun > 0) console.warn(`  the load generator made ${result.eventsMadeDuringRun} events during the run (its pool was too small for this target): the figures understate it`);
        rounds.set(spec.name, [...(rounds.get(spec.name) ?? []), result]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const results = [...rounds.values()].map(combineRounds);
  const ceiling = results.find((r) => r.target === 'ceiling')?.requestsPerSecond;
  const seed = results.find((r) => r.target === 'seed-reference')?.requestsPerSecond;
  const alone = (r: TargetResult) => results.find((a) => a.target === (r.target.includes('PostgreSQL') ? 'settled (PostgreSQL)' : 'settled (SQLite)'))?.requestsPerSecond;
  const withRatios = results.map((r) => ({
    ...r,
    ratioToCeiling: ceiling ? r.requestsPerSecond / ceiling : undefined,
    ratioToSeedReference: seed ? r.requestsPerSecond / seed : undefined,
    ratioToIntakeAlone: r.processedPerAccepted !== null && alone(r) ? r.requestsPerSecond / (alone(r) ?? 1) : undefined,
  }));
  const byName = new Map(withRatios.map((r) => [r.target, r]));
  return {
    results: withRatios,
    rounds: Object.fromEntries([...rounds].map(([name, list]) => [name, list])),
    skipped,
    postgresSynchronousCommit: synchronousCommit,
    targets: targetChecks(byName),
  };
}
