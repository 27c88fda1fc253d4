// Emulated time: real time plus an offset that only moves forward. Timers are kept in emulated time so
// that advancing the clock fires whatever has become due (session expiry, async settlement, retries).
interface Timer {
  id: number;
  dueAtMs: number;
  run: () => void;
}

export class Clock {
  constructor(private readonly onError: (error: unknown) => void = (error) => console.error('emulator timer failed', error)) {}

  private offsetMs = 0;
  private timers: Timer[] = [];
  private nextTimerId = 1;
  private realTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Runs `run` once the emulated clock reaches `dueAtMs`. Returns a handle for cancel(). */
  at(dueAtMs: number, run: () => void): number {
    const id = this.nextTimerId++;
    // After close, late work (a retry scheduled by a delivery still in flight) is dropped.
    if (this.stopped) return id;
    this.timers.push({ id, dueAtMs, run });
    this.timers.sort((a, b) => a.dueAtMs - b.dueAtMs || a.id - b.id);
    this.arm();
    return id;
  }

  after(delayMs: number, run: () => void): number {
    return this.at(this.nowMs() + delayMs, run);
  }

  cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
    this.arm();
  }

  advance(seconds: number): void {
    this.offsetMs += Math.max(0, seconds) * 1000;
    this.fireDue();
  }

  reset(): void {
    this.offsetMs = 0;
    this.timers = [];
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.timers = [];
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  private fireDue(): void {
    const now = this.nowMs();
    const due = this.timers.filter((t) => t.dueAtMs <= now);
    this.timers = this.timers.filter((t) => t.dueAtMs > now);
    for (const timer of due) {
      // One failing timer must not stop the others (or the clock).
      try {
        timer.run();
      } catch (error) {
        this.onError(error);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.timers[0];
    if (!next) return;
    // Node timers overflow past ~24.8 days; re-arming on wake covers longer waits.
    const delay = Math.min(Math.max(0, next.dueAtMs - this.nowMs()), 2 ** 31 - 1);
    this.realTimer = setTimeout(() => this.fireDue(), delay);
    this.realTimer.unref();
  }
}
