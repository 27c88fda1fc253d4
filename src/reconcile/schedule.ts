import type { ReconcileReport } from './reconciler.js';

export interface ScheduleLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Runs reconciliation now and then every `intervalMs` after the previous run ends, so two runs of one process
 * never overlap. The first run at start heals whatever was missed while the process was down.
 *
 * With `takeTurn`, a tick runs only when it answers true: several processes sharing one database each keep a
 * schedule, and the lease behind it lets one of them reconcile per interval (another takes over if it stops).
 */
export class ReconcileSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<ReconcileReport>,
    private readonly intervalMs: number,
    private readonly logger: ScheduleLogger,
    private readonly takeTurn: () => Promise<boolean> = async () => true,
    private readonly onSkipped: () => void = () => undefined,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    this.running = this.takeTurn().then(async (mine) => {
      if (!mine) {
        this.onSkipped();
        return;
      }
      await this.runOnce();
    }, (error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation lease not checked; will try again'));
    void this.running.then(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.intervalMs);
    });
  }

  private runOnce(): Promise<void> {
    return this.run().then(
      (report) => {
        if (report.missing > 0 || report.drift.length > 0) {
          this.logger.info(
            { eventsSeen: report.eventsSeen, missing: report.missing, applied: report.applied, ordersHealed: report.ordersHealed, drift: report.drift.map((d) => d.orderId) },
            'reconciliation found what webhooks missed',
          );
        }
      },
      (error: unknown) => this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation failed; will try again'),
    );
  }
}
