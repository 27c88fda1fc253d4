import type { QueueSettings } from './backoff.js';

const MAX_FAILURE_WAIT_MS = 2_000;

/** How a loop paces itself: the poll when idle, and the wait after a batch that was not full. */
export interface Pacing {
  /** With nothing found: look again after this long, or as soon as `notify()` says there is something new. */
  readonly intervalMs: number;
  /** A step that found fewer than `fullAt` waits `gatherMs` before the next, so that under load batches fill. */
  readonly gatherMs: number;
  readonly fullAt: number;
}

/**
 * Runs `step` again and again: at once while it finds full batches, after `gatherMs` while it finds some, otherwise
 * after `intervalMs` or as soon as `notify()` says there is something new. Errors are reported and the loop goes on.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  /** The step the loop is running now, if any. */
  private current: Promise<number> | undefined;

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
    await this.loop;
    this.loop = undefined;
  }

  notify(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Resolves once the step running now (if any) has finished; its errors are the loop's to report. */
  async stepDone(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let found = 0;
      try {
        this.current = this.step();
        found = await this.current;
        failures = 0;
      } catch (error) {
        failures += 1;
        this.onError(error);
      } finally {
        this.current = undefined;
      }
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

  protected constructor(settings: Pick<QueueSettings, 'pollIntervalMs' | 'gatherMs' | 'batchSize'>, onError: (error: unknown) => void) {
    this.loop = new PollingLoop(() => this.runBatch(), { intervalMs: settings.pollIntervalMs, gatherMs: settings.gatherMs, fullAt: settings.batchSize }, onError);
  }

  /** Claims and handles one batch; returns how many items it claimed or finished. */
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
    let total = await drainAll(() => this.runBatch());
    while (await this.settleInFlight()) total += await drainAll(() => this.runBatch());
    // The loop, when started, may hold a batch it claimed before this found nothing left: wait for that too, so that
    // everything pending when drain() was called has been handled when it returns.
    await this.loop.stepDone();
    return total;
  }
}
