import { closeSync, openSync, readFileSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay, type PerformanceEntry } from 'node:perf_hooks';
import type { Store } from '../../src/store/index.js';

/** A span of time in the target process, epoch ms (performance.timeOrigin + performance.now()). */
export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

export interface BatchSpan extends Span {
  readonly events: number;
  /** SQLite: the WAL was checkpointed while this batch was in flight (the -shm file's backfill count moved). */
  readonly checkpointed?: boolean;
}

/** What the target recorded, written as JSON at exit (see traceTail). */
/** An event-loop turn longer than STALL_MS: a timer due at startMs fired at endMs. */
export interface Stall extends Span {
  /** Of it, the main thread's time on a CPU and waiting for one (the kernel's schedstat), ms. */
  readonly runningMs: number;
  readonly waitingForCpuMs: number;
}

export interface TailTrace {
  readonly stalls: Stall[];
  readonly gc: (Span & { readonly kind: string })[];
  readonly batches: BatchSpan[];
  /**
   * Per thread of the process over its life (warm-up included), ms on a CPU and waiting for one: the main thread, and
   * the busiest other one (Node names every thread "node", so which one it is is not known).
   */
  readonly threads: { readonly main: ThreadTime; readonly busiestOther: ThreadTime | null };
  /** monitorEventLoopDelay over the whole life of the process, ms. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

const nowMs = () => performance.timeOrigin + performance.now();

/** How many events each group commit carried and how long it took, as spans. */
export function recordBatches(store: Store, afterEach?: (span: BatchSpan) => BatchSpan): BatchSpan[] {
  const batches: BatchSpan[] = [];
  const add = store.inbox.add.bind(store.inbox);
  store.inbox.add = async (events) => {
    const startMs = nowMs();
    try {
      return await add(events);
    } finally {
      const span = { startMs, endMs: nowMs(), events: events.length };
      batches.push(afterEach ? afterEach(span) : span);
    }
  };
  return batches;
}

const GC_KINDS = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak callbacks'],
]);

const STALL_MS = 5;

export interface ThreadTime {
  readonly runningMs: number;
  readonly waitingForCpuMs: number;
}

function threadTimes(): TailTrace['threads'] {
  const ms = (path: string): ThreadTime => {
    const { runningNs, waitingNs } = threadSchedule(path);
    return { runningMs: Math.round(runningNs / 1e6), waitingForCpuMs: Math.round(waitingNs / 1e6) };
  };
  const others = readdirSync('/proc/self/task')
    .filter((tid) => Number(tid) !== process.pid)
    .map((tid) => ms(`/proc/self/task/${tid}/schedstat`))
    .sort((a, b) => b.runningMs - a.runningMs);
  return { main: ms(`/proc/self/task/${process.pid}/schedstat`), busiestOther: others[0] ?? null };
}

/** A thread's time on a CPU and waiting in the run queue so far, ns (Linux schedstat; this thread's by default). */
function threadSchedule(path = '/proc/thread-self/schedstat'): { runningNs: number; waitingNs: number } {
  try {
    const [running, waiting] = readFileSync(path, 'utf8').split(' ');
    return { runningNs: Number(running), waitingNs: Number(waiting) };
  } catch {
    return { runningNs: 0, waitingNs: 0 };
  }
}
const PROBE_EVERY_MS = 2;

/*
 * SQLite's WAL index (-shm) begins with two copies of its 48-byte header, then the checkpoint info, whose first
 * word, nBackfill, counts the WAL frames already copied into the database: it moves when a checkpoint completes.
 * Read from the file (the same pages SQLite maps), in the machine's byte order.
 */
const BACKFILL_OFFSET = 96;

function walBackfillReader(sqlitePath: string): () => number | undefined {
  let fd: number | undefined;
  const buffer = Buffer.alloc(4);
  return () => {
    try {
      fd ??= openSync(`${sqlitePath}-shm`, 'r');
      readSync(fd, buffer, 0, 4, BACKFILL_OFFSET);
      return buffer.readUInt32LE(0);
    } catch {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      return undefined;
    }
  };
}

/**
 * For the tail bench only (BENCH_TAIL_TRACE): records event-loop stalls, GC pauses, each group commit and, on
 * SQLite, which of them ran a WAL checkpoint, and writes them to `path` at exit. Nothing of it runs otherwise.
 */
export function traceTail(store: Store, path: string, sqlitePath: string | undefined): void {
  const stalls: Stall[] = [];
  const gc: TailTrace['gc'] = [];
  const backfill = sqlitePath === undefined ? undefined : walBackfillReader(sqlitePath);
  let lastBackfill = backfill?.();
  const batches = recordBatches(store, (span) => {
    if (backfill === undefined) return span;
    const now = backfill();
    const checkpointed = now !== undefined && now !== lastBackfill;
    lastBackfill = now;
    return { ...span, checkpointed };
  });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const startMs = performance.timeOrigin + entry.startTime;
      const kind = ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind;
      gc.push({ startMs, endMs: startMs + entry.duration, kind: GC_KINDS.get(kind ?? 0) ?? 'other' });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let dueMs = nowMs() + PROBE_EVERY_MS;
  let lastSchedule = threadSchedule();
  const probe = () => {
    const firedMs = nowMs();
    const schedule = threadSchedule();
    if (firedMs - dueMs > STALL_MS) {
      stalls.push({ startMs: dueMs, endMs: firedMs, runningMs: (schedule.runningNs - lastSchedule.runningNs) / 1e6, waitingForCpuMs: (schedule.waitingNs - lastSchedule.waitingNs) / 1e6 });
    }
    lastSchedule = schedule;
    dueMs = firedMs + PROBE_EVERY_MS;
    setTimeout(probe, PROBE_EVERY_MS).unref();
  };
  setTimeout(probe, PROBE_EVERY_MS).unref();
  process.once('exit', () => {
    histogram.disable();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const trace: TailTrace = { stalls, gc, batches, threads: threadTimes(), loopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) } };
    writeFileSync(path, JSON.stringify(trace));
  });
}
