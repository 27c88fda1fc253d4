import type { QueueSettings } from './backoff.js';

const MAX_FAILURE_WAIT_MS = 2_000;

/** How a loop paces itself: the poll when idle, and the wait after a batch that was not full. */
export interface Pacing {
  /** With nothing found: look again after this long, or as soon as `notify()` says there is something new. */
  readonly intervalMs: number;
  /** A step that found fewer than `fullAt` waits `gatherMs` before the next, so that under load batches fill. */
  readonly gatherMs: number;
  readonly fullAt: number;
  /**
   * How many steps may run at once while they find full batches (a backlog; default 1). The first lane paces itself as
   * above; each other lane joins when a step finds a full batch and leaves at the first that is not full, so one
   * batch's commit overlaps the next one's claim and preparation, and a queue that keeps up costs no extra looks.
   */
  readonly lanes?: number;
}

/**
 * Runs `step` again and again: at once while it finds full batches, after `gatherMs` while it finds some, otherwise
 * after `intervalMs` or as soon as `notify()` says there is something new. Errors are reported and the loop goes on.
 * While steps find full batches, up to `lanes` of them run at once.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  /** The steps running now. */
  private readonly current = new Set<Promise<number>>();
  /** Lanes beyond the first, waiting for a full batch to join in. */
  private idleLanes: (() => void)[] = [];

  constructor(
    private readonly step: () => Promise<number>,
    private readonly pacing: Pacing,
    private readonly onError: (error: unknown) => void,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    this.callLanes();
    await this.loop;
    this.loop = undefined;
  }

  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Resolves once the steps running now (if any) have finished; their errors are the loop's to report. */
  async stepDone(): Promise<void> {
    await Promise.all([...this.current].map((step) => step.catch(() => undefined)));
  }

  /** Runs one step, known to stepDone() while it runs. */
  private async track(): Promise<number> {
    const step = this.step();
    this.current.add(step);
    try {
      return await step;
    } finally {
      this.current.delete(step);
    }
  }

  /** A full batch was found: the idle lanes join in. */
  private callLanes(): void {
    const lanes = this.idleLanes;
    this.idleLanes = [];
    for (const join of lanes) join();
  }

  /** A lane beyond the first: it runs steps from a full batch on, until one finds less (or fails: the first lane paces the retries). */
  private async extraLane(): Promise<void> {
    const { fullAt } = this.pacing;
    while (this.running) {
      await new Promise<void>((resolve) => this.idleLanes.push(resolve));
      for (let found = fullAt; this.running && found >= fullAt; ) {
        try {
          found = await this.track();
        } catch (error) {
          this.onError(error);
          break;
        }
        if (found >= fullAt) this.callLanes();
      }
    }
  }

  private async run(): Promise<void> {
    const extraLanes = Array.from({ length: Math.max(0, (this.pacing.lanes ?? 1) - 1) }, () => this.extraLane());
    await this.firstLane();
    this.callLanes();
    await Promise.all(extraLanes);
  }

  private async firstLane(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let found = 0;
      try {
        found = await this.track();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.onError(error);
      }
      if (found >= this.pacing.fullAt) this.callLanes();
      // While the store is down, each failure waits longer (to a few seconds), so an outage is not a busy loop
      // or a flood of log lines, and recovery is still noticed within seconds.
      const { intervalMs, gatherMs, fullAt } = this.pacing;
      if (!this.running) break;
      if (failures > 0) await this.idle(Math.min(MAX_FAILURE_WAIT_MS, intervalMs * 2 ** (failures - 1)), true);
      else if (found === 0) await this.idle(intervalMs);
      // Each batch's claim and commits cost about the same for one item as for a full batch: while items arrive
      // faster than one at a time, a short wait lets the next batch carry more of them for the same cost.
      else if (found < fullAt && gatherMs > 0) await this.idle(gatherMs, true);
    }
  }

  private idle(ms: number, ignoreWake = false): Promise<void> {
    if (this.pendingWake && !ignoreWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A failing step is not retried early on every new event; stop() still ends the wait.
      this.wake = ignoreWake ? () => (this.running ? undefined : done()) : done;
    });
  }
}

/** Runs `step` until it finds nothing more to do; returns the total it found. */
export async function drainAll(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const found = await step();
    if (found === 0) return total;
    total += found;
  }
}

/** A loop that claims a batch of work at a time: started and stopped in the background, or drained in the foreground. */
export abstract class BatchProcessor {
  private readonly loop: PollingLoop;

  private readonly lanes: number;

  protected constructor(settings: Pick<QueueSettings, 'pollIntervalMs' | 'gatherMs' | 'batchSize'> & { readonly lanes?: number }, onError: (error: unknown) => void) {
    // At least one, whatever was asked for: with none, nothing would ever be claimed.
    this.lanes = Math.max(1, Math.floor(settings.lanes ?? 1));
    this.loop = new PollingLoop(() => this.runBatch(), { intervalMs: settings.pollIntervalMs, gatherMs: settings.gatherMs, fullAt: settings.batchSize, lanes: this.lanes }, onError);
  }

  /** Claims and handles one batch; returns how many items it claimed or finished. Up to `lanes` run at once. */
  protected abstract runBatch(): Promise<number>;

  /** Waits for work a batch left running (if any); true if there was some, so drain() looks again. */
  protected settleInFlight(): Promise<boolean> {
    return Promise.resolve(false);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** True between start() and stop(); /readyz reports it. */
  get isRunning(): boolean {
    return this.loop.isRunning;
  }

  /** Something new is waiting: look now instead of at the next poll. */
  notify(): void {
    this.loop.notify();
  }

  /** Handles due work until none is left; returns how much was claimed. For tests and the CLI. */
  async drain(): Promise<number> {
    const drainLanes = async () => (await Promise.all(Array.from({ length: this.lanes }, () => drainAll(() => this.runBatch())))).reduce((sum, found) => sum + found, 0);
    let total = await drainLanes();
    while (await this.settleInFlight()) total += await drainLanes();
    // The loop, when started, may hold a batch it claimed before this found nothing left: wait for that too, so that
    // everything pending when drain() was called has been handled when it returns.
    await this.loop.stepDone();
    return total;
  }
}
