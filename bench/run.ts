import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runEndToEndBenchmark } from './e2e.js';
import { runPipelineBenchmark, type PipelineStep } from './pipeline.js';
import { describeConfiguration, runWorkerBenchmark } from './worker.js';
import { runIngestBenchmark, type IngestReport } from './ingest.js';
import { runTailBenchmark, type TailResult } from './tail.js';
import { ingestChartSvg } from './support/chart.js';
import { describeMachine, machineLine, type Machine } from './support/machine.js';
import { onlyFromEnv } from './support/only.js';
import { REPO_ROOT } from './support/process.js';
import { queuesOverridden } from './targets/queues.js';

const RESULTS = join(REPO_ROOT, 'bench', 'results');
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const parts = process.argv.slice(2);
const wants = (part: string) => parts.length === 0 || parts.includes(part);

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}

function ratio(value: number | undefined, suffix: string): string {
  return value === undefined ? '–' : `${value.toFixed(2)}${suffix}`;
}

/** The opening every result file shares: its title, the machine line (date, commit, CPU check) and the command. */
function resultHeader(title: string, machine: Machine, command: string): string[] {
  return [`# ${title}`, '', machineLine(machine), '', `Command: \`${command}\``, ''];
}

function ingestMarkdown(report: IngestReport, machine: Machine, command: string): string {
  const lines = [
    ...resultHeader('Webhook ingest benchmark', machine, command),
    '| target | req/s | p50 | p99 | non-2xx | errors | peak RSS | CPU per request | × ceiling | × seed-reference | × intake alone | processed ÷ accepted | 2xx stored |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of report.results) {
    const stored = r.acknowledgedButMissing === null ? '–' : r.acknowledgedButMissing === 0 ? 'all' : `${r.acknowledgedButMissing} MISSING`;
    lines.push(
      `| ${r.target} | ${r.requestsPerSecond.toFixed(0)} | ${r.latencyP50Ms} ms | ${r.latencyP99Ms} ms | ${r.non2xx} | ${r.errors + r.timeouts} | ${mb(r.peakRssBytes)} | ${r.cpuMicrosPerRequest.toFixed(0)} µs | ${ratio(r.ratioToCeiling, '')} | ${ratio(r.ratioToSeedReference, '×')} | ${ratio(r.ratioToIntakeAlone, '×')} | ${ratio(r.processedPerAccepted ?? undefined, '')} | ${stored} |`,
    );
  }
  for (const s of report.skipped) lines.push(`| ${s.target} | skipped: ${s.reason} | | | | | | | | | | | |`);
  lines.push('', '| target | met | measured |', '| --- | --- | --- |');
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.met ? 'yes' : '**no**'} | ${t.detail} |`);
  lines.push('', `PostgreSQL synchronous_commit: ${report.postgresSynchronousCommit ?? 'n/a'}; SQLite: WAL, synchronous=FULL.`);
  return `${lines.join('\n')}\n`;
}

function pipelineMarkdown(steps: readonly PipelineStep[], machine: Machine, command: string): string {
  const lines = [
    ...resultHeader('Sustained load: paid checkout sessions for real orders at fixed rates', machine, command),
    '| configuration | rate | accepted/s | intake p99 | lag p50 | lag p99 | lag max | arrival → fulfilled p50 / p99 / max | lost | not fulfilled once | settled CPU/event | postgres CPU/event | sustained |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of steps) {
    const f = s.arrivalToFulfilledMs;
    const pgCpu = s.postgresCpuMicrosPerEvent === null ? '–' : `${s.postgresCpuMicrosPerEvent.toFixed(0)} µs`;
    lines.push(
      `| ${s.configuration} | ${s.rate} | ${s.acceptedPerSecond.toFixed(0)} | ${s.intakeP99Ms} ms | ${s.lagMs.p50} ms | ${s.lagMs.p99} ms | ${s.lagMs.max} ms | ${f.p50} / ${f.p99} / ${f.max} ms | ${s.lost} | ${s.notFulfilledOnce} | ${s.cpuMicrosPerEvent.toFixed(0)} µs | ${pgCpu} | ${s.sustained ? 'yes' : 'no'} |`,
    );
  }
  lines.push('', '| configuration | highest rate sustained (lag p99 < 1 s, nothing lost) |', '| --- | ---: |');
  for (const configuration of new Set(steps.map((s) => s.configuration))) {
    const best = steps.filter((s) => s.configuration === configuration && s.sustained).at(-1);
    lines.push(`| ${configuration} | ${best ? `${best.rate} events/s` : 'none of the rates'} |`);
  }
  lines.push('', 'postgres CPU/event counts every postgres process on the machine, which other work shares: an upper bound.');
  return `${lines.join('\n')}\n`;
}

function tailMarkdown(results: readonly TailResult[], machine: Machine, command: string): string {
  const lines = [
    ...resultHeader('Intake tail at half capacity', machine, command),
    'Capacity: saturating runs (32 connections, as the ingest bench), the median. Then half of it as an open-loop load, requests evenly spaced, each timed from when it was due.',
    '',
    '| target | capacity (runs) | rate | p50 | p90 | p99 | max | p99 ÷ p50 | p99 ≤ 3 × p50 | CPU per request | every 2xx stored |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
  ];
  for (const r of results) {
    const stored = r.acknowledgedButMissing === 0 ? 'yes' : `${r.acknowledgedButMissing ?? '?'} MISSING`;
    lines.push(
      `| ${r.target} | ${r.capacityPerSecond} req/s (${r.capacityRounds.join(', ')}) | ${r.ratePerSecond}/s (took ${r.achievedPerSecond}/s) | ${r.p50Ms} ms | ${r.p90Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.p99OverP50.toFixed(2)} | ${r.met ? 'yes' : '**no**'} | ${r.cpuMicrosPerRequest} µs | ${stored} |`,
    );
  }
  lines.push(
    '',
    '| target | machine CPU in the fixed-rate run: target | load generator | other work | idle | target\'s main thread, its life: on a CPU / waiting for one | its busiest other thread, the same |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const share = (x: number) => `${(x * 100).toFixed(0)}%`;
  const thread = (t: { runningMs: number; waitingForCpuMs: number } | null) => (t ? `${(t.runningMs / 1000).toFixed(1)} s / ${(t.waitingForCpuMs / 1000).toFixed(1)} s` : '–');
  for (const r of results) {
    const m = r.machineCpu;
    lines.push(`| ${r.target} | ${share(m.target)} | ${share(m.loadGenerator)} | ${share(m.other)} | ${share(m.idle)} | ${thread(r.threads.main)} | ${thread(r.threads.busiestOther)} |`);
  }
  lines.push('', 'What the requests at or above p99 overlapped while in flight, against every request (chance):', '');
  lines.push('| target | overlapping | share of p99 requests | share of all requests | spans in the run | their median longest |', '| --- | --- | ---: | ---: | ---: | ---: |');
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  for (const r of results) {
    for (const c of r.coincidences) lines.push(`| ${r.target} | ${c.cause} | ${pct(c.shareOfSlow)} | ${pct(c.shareOfAll)} | ${c.spans} | ${c.medianLongestMs} ms |`);
  }
  lines.push('', '| target | event-loop delay p50 / p99 / max | stalls > 5 ms (count, total: running / waiting for a CPU) | GC pauses (count, total, longest) | group commits (count, mean events, p50 / p99 / max) | WAL checkpoints (count, their commits\' median) |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const d = r.loopDelayMs;
    const c = r.checkpoints ? `${r.checkpoints.count}, ${r.checkpoints.batchMsMedian} ms` : '–';
    const st = r.stallMs;
    lines.push(`| ${r.target} | ${d.p50} / ${d.p99} / ${d.max} ms | ${st.count}, ${st.totalMs} ms: ${st.runningMs} / ${st.waitingForCpuMs} ms | ${r.gcPauseMs.count}, ${r.gcPauseMs.totalMs} ms, ${r.gcPauseMs.maxMs} ms | ${r.batchMs.count}, ${r.batchMs.meanEvents}, ${r.batchMs.p50} / ${r.batchMs.p99} / ${r.batchMs.max} ms | ${c} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    console.warn(`PostgreSQL unreachable, skipping its runs: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

mkdirSync(RESULTS, { recursive: true });
let failed = false;

if (wants('ingest')) {
  const options = {
    connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    // Long enough for V8 to have optimized the hot code: measured, its compiler threads were still busy 3 s in.
    warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
    durationSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 5),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    databaseUrl: DATABASE_URL,
    only: onlyFromEnv(),
    ...(process.env.BENCH_RATE ? { ratePerSecond: Number(process.env.BENCH_RATE) } : {}),
    ...(process.env.BENCH_CPU_PROFILE_DIR ? { cpuProfileDir: process.env.BENCH_CPU_PROFILE_DIR } : {}),
  };
  // Some targets only, a fixed rate or a profiler slowing the targets is a diagnostic run: printed, never published.
  const diagnostic = options.only.length > 0 || options.ratePerSecond !== undefined || options.cpuProfileDir !== undefined || queuesOverridden();
  const command = `npm run bench -- ingest (${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s per target, ${options.rounds} rounds, medians)`;
  const machine = describeMachine();
  const report = await runIngestBenchmark(options);
  if (diagnostic) {
    console.log('Diagnostic run (BENCH_TARGETS, BENCH_RATE, BENCH_CPU_PROFILE_DIR, BENCH_QUEUE_BATCH or BENCH_QUEUE_GATHER): bench/results/ is left as it was.');
  } else {
    writeFileSync(join(RESULTS, 'ingest.json'), `${JSON.stringify({ machine, command, options: { ...options, databaseUrl: undefined }, ...report }, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'ingest.md'), ingestMarkdown(report, machine, command));
    writeFileSync(join(RESULTS, 'ingest.svg'), ingestChartSvg(report.results, `${machineLine(machine)} · ${options.connections} connections`));
  }
  const lost = report.results.filter((r) => (r.acknowledgedButMissing ?? 0) > 0);
  if (lost.length > 0) {
    console.error(`LOST EVENTS: ${lost.map((r) => `${r.target}: ${r.acknowledgedButMissing} acknowledged events are not stored`).join('; ')}`);
    failed = true;
  }
  for (const t of report.targets) console.log(`${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.detail}`);
}

if (parts.includes('tail')) {
  const options = {
    databaseUrl: DATABASE_URL,
    connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    capacityRounds: Number(process.env.BENCH_ROUNDS ?? 3),
    capacitySeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 5),
    warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
    tailSeconds: Number(process.env.BENCH_TAIL_SECONDS ?? 25),
    only: onlyFromEnv(),
  };
  const machine = describeMachine();
  const results = await runTailBenchmark(options);
  const command = `npm run bench -- tail (capacity: ${options.capacityRounds} × ${options.warmupSeconds} s warm-up + ${options.capacitySeconds} s at ${options.connections} connections, median; then half of it evenly spaced, ${options.warmupSeconds} s warm-up + ${options.tailSeconds} s)`;
  if (options.only.length > 0) {
    console.log(tailMarkdown(results, machine, command));
    console.log('Diagnostic run (BENCH_TARGETS): bench/results/ is left as it was.');
  } else {
    writeFileSync(join(RESULTS, 'tail.json'), `${JSON.stringify({ machine, command, options: { ...options, databaseUrl: undefined }, results }, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'tail.md'), tailMarkdown(results, machine, command));
  }
  for (const r of results) console.log(`${r.met ? 'met    ' : 'NOT MET'} ${r.target}: p99 ${r.p99Ms} ms ≤ 3 × p50 ${r.p50Ms} ms (${r.p99OverP50.toFixed(2)}×)`);
  for (const r of results) for (const c of r.coincidences) console.log(`  ${r.target}: ${c.cause}: ${(c.shareOfSlow * 100).toFixed(0)}% of p99 requests, ${(c.shareOfAll * 100).toFixed(0)}% of all`);
  if (results.some((r) => r.acknowledgedButMissing !== 0)) {
    console.error(`LOST EVENTS: ${results.filter((r) => r.acknowledgedButMissing !== 0).map((r) => `${r.target}: ${r.acknowledgedButMissing ?? 'unknown'} acknowledged events are not stored`).join('; ')}`);
    failed = true;
  }
}

if (wants('worker')) {
  const events = Number(process.env.BENCH_WORKER_EVENTS ?? 4000);
  const machine = describeMachine();
  const postgres = await postgresReachable();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const results = await runWorkerBenchmark({ events, rounds, databaseUrl: DATABASE_URL, postgres });
  const command = `npm run bench -- worker (${events} paid checkout sessions per run, ${rounds} rounds, medians)`;
  writeFileSync(join(RESULTS, 'worker.json'), `${JSON.stringify({ machine, command, results }, null, 2)}\n`);
  const lines = [
    ...resultHeader('Worker throughput', machine, command),
    '| store | workers | events per run | events/s (median) | every round | CPU per event, workers + postgres (median round) | orders fulfilled (fewest in a round) |',
    '| --- | --- | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const r of results) {
    const cpu = r.cpuMicrosPerEvent ? `${r.cpuMicrosPerEvent.workers.toFixed(0)} + ${r.cpuMicrosPerEvent.postgres.toFixed(0)} µs` : '–';
    lines.push(`| ${r.store} | ${describeConfiguration(r).replace(`${r.store}, `, '').replace(`${r.store} × `, '× ')} | ${r.events} | ${r.eventsPerSecond.toFixed(0)} | ${r.roundsEventsPerSecond.map((n) => n.toFixed(0)).join(', ')} | ${cpu} | ${r.fulfilled} |`);
  }
  const oneProcess = results.find((r) => r.processes && r.workers === 1);
  const threeProcesses = results.find((r) => r.processes && r.workers === 3);
  if (oneProcess && threeProcesses) lines.push('', `3 worker processes ÷ 1: ${(threeProcesses.eventsPerSecond / oneProcess.eventsPerSecond).toFixed(2)}× (target 2.5×).`);
  if (!postgres) lines.push('', 'PostgreSQL was unreachable: skipped.');
  writeFileSync(join(RESULTS, 'worker.md'), `${lines.join('\n')}\n`);
  if (results.some((r) => r.fulfilled !== r.events)) {
    console.error('worker: some paid orders were not fulfilled');
    failed = true;
  }
}

if (parts.includes('pipeline')) {
  const rates = (process.env.BENCH_PIPELINE_RATES ?? '250,500,750,1000,1500,2000,3000,4000').split(',').map(Number);
  const durationSeconds = Number(process.env.BENCH_PIPELINE_SECONDS ?? 15);
  const machine = describeMachine();
  const postgres = await postgresReachable();
  const only = onlyFromEnv();
  const steps = await runPipelineBenchmark({ rates, durationSeconds, connections: 32, databaseUrl: DATABASE_URL, postgres, only });
  const command = `npm run bench -- pipeline (rates ${rates.join(', ')} events/s, ${durationSeconds} s each, until one is not sustained)`;
  if (only.length > 0 || queuesOverridden()) {
    console.log(pipelineMarkdown(steps, machine, command));
    console.log('Diagnostic run (BENCH_TARGETS, BENCH_QUEUE_BATCH or BENCH_QUEUE_GATHER): bench/results/ is left as it was.');
  } else {
    writeFileSync(join(RESULTS, 'pipeline.json'), `${JSON.stringify({ machine, command, steps }, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'pipeline.md'), pipelineMarkdown(steps, machine, command));
  }
  if (steps.some((s) => s.lost > 0 || s.notFulfilledOnce > 0)) {
    console.error('pipeline: acknowledged events were not processed, or orders not fulfilled exactly once');
    failed = true;
  }
}

if (wants('e2e')) {
  const purchases = Number(process.env.BENCH_E2E_PURCHASES ?? 1000);
  const concurrency = Number(process.env.BENCH_E2E_CONCURRENCY ?? 1);
  const machine = describeMachine();
  const postgres = await postgresReachable();
  const results = await runEndToEndBenchmark({ purchases, concurrency, databaseUrl: DATABASE_URL, postgres });
  const command = `npm run bench -- e2e (${purchases} purchases, ${concurrency} buyers at a time)`;
  writeFileSync(join(RESULTS, 'e2e.json'), `${JSON.stringify({ machine, command, results }, null, 2)}\n`);
  const lines = [...resultHeader('End-to-end latency: card submitted on the hosted page → order fulfilled', machine, command), '| store | purchases | buyers at a time | p50 | p99 | max | fulfilled | wall time |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) lines.push(`| ${r.store} | ${r.purchases} | ${r.concurrency} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.fulfilled} | ${r.seconds.toFixed(1)} s |`);
  writeFileSync(join(RESULTS, 'e2e.md'), `${lines.join('\n')}\n`);
  if (results.some((r) => r.fulfilled !== r.purchases)) {
    console.error('e2e: some paid orders were not fulfilled');
    failed = true;
  }
}

process.exitCode = failed ? 1 : 0;
