import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, runIngestBenchmark, type TargetName, type TargetResult } from './ingest.js';
import { isChosen } from './support/only.js';
import { percentile, type PacedResponse } from './support/paced-load.js';
import type { Span, TailTrace } from './support/tail-trace.js';

export interface TailOptions {
  readonly databaseUrl: string;
  readonly connections: number;
  /** Saturating runs that measure capacity, each warmupSeconds + capacitySeconds; the median is the capacity. */
  readonly capacityRounds: number;
  readonly capacitySeconds: number;
  readonly warmupSeconds: number;
  /** The fixed-rate run at half capacity, after its own warm-up at that rate. */
  readonly tailSeconds: number;
  readonly only?: readonly string[];
}

/** What the slowest requests coincided with, against how often any request did. */
export interface Coincidence {
  readonly cause: string;
  /** Share of the requests at or above p99 whose time in flight overlapped one of these spans. */
  readonly shareOfSlow: number;
  /** The same share over every request: what chance alone would give. */
  readonly shareOfAll: number;
  readonly spans: number;
  /** Of the spans a slow request overlapped, the median of the longest one per request, ms. */
  readonly medianLongestMs: number;
}

export interface TailResult {
  readonly target: TargetName;
  readonly capacityRounds: number[];
  readonly capacityPerSecond: number;
  readonly ratePerSecond: number;
  readonly achievedPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly p99OverP50: number;
  readonly met: boolean;
  readonly acknowledgedButMissing: number | null;
  readonly non2xx: number;
  readonly errors: number;
  readonly cpuMicrosPerRequest: number;
  /** Shares of the machine's CPU (both cores) in the fixed-rate run. */
  readonly machineCpu: { readonly target: number; readonly loadGenerator: number; readonly other: number; readonly idle: number };
  readonly loopDelayMs: TailTrace['loopDelayMs'];
  readonly threads: TailTrace['threads'];
  /** Event-loop stalls > 5 ms in the run: how many, their total, and of it the main thread's running and waiting for a CPU. */
  readonly stallMs: { readonly count: number; readonly totalMs: number; readonly runningMs: number; readonly waitingForCpuMs: number };
  readonly gcPauseMs: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  readonly batchMs: { readonly count: number; readonly meanEvents: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly checkpoints: { readonly count: number; readonly batchMsMedian: number } | null;
  readonly coincidences: Coincidence[];
}

const TARGETS: readonly { name: TargetName; word: string }[] = [
  { name: 'settled (SQLite)', word: 'settled (sqlite)' },
  { name: 'settled (PostgreSQL)', word: 'settled (postgresql)' },
];

/** Spans sorted by start, with the longest span so far, for overlap look-ups. */
function overlapIndex(spans: readonly Span[]) {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const starts = sorted.map((s) => s.startMs);
  const longest = Math.max(0, ...sorted.map((s) => s.endMs - s.startMs));
  /** The longest span overlapping [fromMs, toMs], or undefined. */
  return (fromMs: number, toMs: number): Span | undefined => {
    // Spans starting after toMs cannot overlap; spans ending before fromMs do not; none is longer than `longest`.
    let hi = starts.length;
    for (let lo = 0; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] ?? 0) <= toMs) lo = mid + 1;
      else hi = mid;
    }
    let best: Span | undefined;
    for (let i = hi - 1; i >= 0; i--) {
      const span = sorted[i];
      if (span === undefined || span.startMs < fromMs - longest) break;
      if (span.endMs >= fromMs && (best === undefined || span.endMs - span.startMs > best.endMs - best.startMs)) best = span;
    }
    return best;
  };
}

function coincidence(cause: string, spans: readonly Span[], all: readonly PacedResponse[], slow: readonly PacedResponse[]): Coincidence {
  const find = overlapIndex(spans);
  const hits = (list: readonly PacedResponse[]) => list.map((r) => find(r.dueAtMs, r.doneAtMs)).filter((s): s is Span => s !== undefined);
  const slowHits = hits(slow);
  const longest = slowHits.map((s) => s.endMs - s.startMs).sort((a, b) => a - b);
  return {
    cause,
    shareOfSlow: slow.length === 0 ? 0 : slowHits.length / slow.length,
    shareOfAll: all.length === 0 ? 0 : hits(all).length / all.length,
    spans: spans.length,
    medianLongestMs: Math.round(percentile(longest, 0.5) * 10) / 10,
  };
}

function analyse(target: TargetName, capacity: number[], run: TargetResult, rate: number): TailResult {
  if (!run.traceFiles) throw new Error('the fixed-rate run wrote no trace');
  const responses = JSON.parse(readFileSync(run.traceFiles.responses, 'utf8')) as PacedResponse[];
  const trace = JSON.parse(readFileSync(run.traceFiles.target, 'utf8')) as TailTrace;
  const ok = responses.filter((r) => r.status >= 200 && r.status < 300);
  const latency = (r: PacedResponse) => r.doneAtMs - r.dueAtMs;
  const latencies = ok.map(latency).sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const slow = ok.filter((r) => latency(r) >= p99);
  // Only what happened during the measured run: the trace covers the process's whole life.
  const from = Math.min(...ok.map((r) => r.dueAtMs));
  const to = Math.max(...ok.map((r) => r.doneAtMs));
  const during = <S extends Span>(spans: readonly S[]) => spans.filter((s) => s.endMs >= from && s.startMs <= to);
  const batches = during(trace.batches);
  const batchDurations = batches.map((b) => b.endMs - b.startMs).sort((a, b) => a - b);
  const slowBatchMs = percentile(batchDurations, 0.99);
  const gc = during(trace.gc);
  const stalls = during(trace.stalls);
  const checkpointed = batches.filter((b) => b.checkpointed === true);
  const sqlite = batches.some((b) => b.checkpointed !== undefined);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  const coincidences = [
    coincidence('event-loop stall > 5 ms', stalls, ok, slow),
    coincidence('event-loop stall > 5 ms, mostly running', stalls.filter((s) => s.runningMs >= s.waitingForCpuMs), ok, slow),
    coincidence('event-loop stall > 5 ms, mostly waiting for a CPU', stalls.filter((s) => s.runningMs < s.waitingForCpuMs), ok, slow),
    coincidence('event-loop stall > 20 ms', stalls.filter((s) => s.endMs - s.startMs > 20), ok, slow),
    coincidence('GC pause (any)', gc, ok, slow),
    coincidence('GC pause ≥ 5 ms', gc.filter((g) => g.endMs - g.startMs >= 5), ok, slow),
    coincidence(`group commit ≥ its p99 (${round(slowBatchMs)} ms)`, batches.filter((b) => b.endMs - b.startMs >= slowBatchMs), ok, slow),
    ...(sqlite
      ? [
          coincidence('group commit that ran a WAL checkpoint', checkpointed, ok, slow),
          coincidence(`group commit ≥ its p99, no checkpoint`, batches.filter((b) => b.endMs - b.startMs >= slowBatchMs && b.checkpointed !== true), ok, slow),
        ]
      : []),
  ];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    target,
    capacityRounds: capacity.map((c) => Math.round(c)),
    capacityPerSecond: Math.round(median(capacity)),
    ratePerSecond: rate,
    achievedPerSecond: Math.round(run.requestsPerSecond),
    p50Ms: round(p50),
    p90Ms: round(percentile(latencies, 0.9)),
    p99Ms: round(p99),
    maxMs: round(latencies.at(-1) ?? 0),
    p99OverP50: round(p99 / p50),
    met: p99 <= 3 * p50,
    acknowledgedButMissing: run.acknowledgedButMissing,
    non2xx: run.non2xx,
    errors: run.errors + run.timeouts,
    cpuMicrosPerRequest: Math.round(run.cpuMicrosPerRequest),
    machineCpu: {
      target: round(run.machineCpu?.target ?? 0),
      loadGenerator: round(run.machineCpu?.loadGenerator ?? 0),
      other: round(Math.max(0, (run.machineCpu?.busy ?? 0) - (run.machineCpu?.target ?? 0) - (run.machineCpu?.loadGenerator ?? 0))),
      idle: round(1 - (run.machineCpu?.busy ?? 0)),
    },
    loopDelayMs: trace.loopDelayMs,
    threads: trace.threads,
    stallMs: {
      count: stalls.length,
      totalMs: round(sum(stalls.map((x) => x.endMs - x.startMs))),
      runningMs: round(sum(stalls.map((x) => x.runningMs))),
      waitingForCpuMs: round(sum(stalls.map((x) => x.waitingForCpuMs))),
    },
    gcPauseMs: { count: gc.length, totalMs: round(sum(gc.map((g) => g.endMs - g.startMs))), maxMs: round(Math.max(0, ...gc.map((g) => g.endMs - g.startMs))) },
    batchMs: {
      count: batches.length,
      meanEvents: round(sum(batches.map((b) => b.events)) / Math.max(1, batches.length)),
      p50: round(percentile(batchDurations, 0.5)),
      p99: round(slowBatchMs),
      max: round(batchDurations.at(-1) ?? 0),
    },
    checkpoints: sqlite ? { count: checkpointed.length, batchMsMedian: round(percentile(checkpointed.map((b) => b.endMs - b.startMs).sort((a, b) => a - b), 0.5)) } : null,
    coincidences,
  };
}

/**
 * Per target: its capacity (saturating runs, as the ingest bench makes them), then half of it as an evenly spaced,
 * open-loop load with the target tracing its event loop, GC and commits, and what the slowest requests overlapped.
 */
export async function runTailBenchmark(options: TailOptions): Promise<TailResult[]> {
  const results: TailResult[] = [];
  const only = options.only ?? [];
  for (const { name, word } of TARGETS.filter((t) => isChosen(only, t.word))) {
    const common = { connections: options.connections, warmupSeconds: options.warmupSeconds, databaseUrl: options.databaseUrl, only: [word] };
    console.log(`tail: ${name}: capacity, ${options.capacityRounds} saturating runs …`);
    // Signing the ingest bench's 40,000 events a second for each run took most of this part's time; the intake alone
    // took about 10,500 req/s on the fastest day measured, and events made beyond the pool are counted and reported.
    const capacityReport = await runIngestBenchmark({ ...common, durationSeconds: options.capacitySeconds, rounds: options.capacityRounds, poolRatePerSecond: 12_000 });
    const capacity = (capacityReport.rounds[name] ?? []).map((r) => r.requestsPerSecond);
    if (capacity.length === 0) {
      console.warn(`tail: ${name} was not measured (${capacityReport.skipped.map((s) => s.reason).join('; ') || 'no such target'})`);
      continue;
    }
    const rate = Math.round(median(capacity) / 2);
    console.log(`tail: ${name}: capacity ${Math.round(median(capacity))} req/s; ${rate} req/s evenly spaced for ${options.tailSeconds} s …`);
    const traceDir = mkdtempSync(join(tmpdir(), 'settled-tail-'));
    try {
      const report = await runIngestBenchmark({ ...common, durationSeconds: options.tailSeconds, rounds: 1, pacedRatePerSecond: rate, traceDir });
      const run = report.rounds[name]?.[0];
      if (!run) throw new Error(`tail: ${name}: the fixed-rate run gave no result`);
      const result = analyse(name, capacity, run, rate);
      console.log(`  p50 ${result.p50Ms} ms, p90 ${result.p90Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms, p99 ÷ p50 ${result.p99OverP50}, missing ${result.acknowledgedButMissing ?? '-'}`);
      results.push(result);
    } finally {
      rmSync(traceDir, { recursive: true, force: true });
    }
  }
  return results;
}
