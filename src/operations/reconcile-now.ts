import { DEFAULTS } from '../defaults.js';
import { reconcile, type ReconcilePhase, type ReconcileReport, type ReconcileSettings } from '../reconcile/index.js';
import type { Store } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { awaitProcessing } from '../worker/await-processing.js';

export interface ReconcileNowDeps {
  readonly store: Store;
  /** With the background budget: a run makes many calls and has no single deadline. */
  readonly gateway: StripeGateway;
  readonly now: () => number;
  /**
   * Gets the found events processed: wakes a worker running in this process, or drains one the caller runs for
   * this reconciliation only. Either way the run then waits (up to `waitMs`) for whichever worker claimed them.
   */
  readonly processFound: () => Promise<void> | void;
  readonly waitMs: number;
  readonly onProgress?: (phase: ReconcilePhase, done: number, total: number) => void;
}

/** What the dashboard shows of a run (the whole report is the CLI's --json). */
export type ReconcileSummary = Pick<ReconcileReport, 'eventsSeen' | 'missing' | 'applied' | 'ordersSwept' | 'ordersHealed' | 'unreachable'>;

/** The settings a run uses: what was given, else settled's defaults. */
export function reconcileSettings(given: Partial<ReconcileSettings> = {}): ReconcileSettings {
  return {
    lookbackSeconds: given.lookbackSeconds ?? DEFAULTS.reconcile.lookbackSeconds,
    overlapSeconds: given.overlapSeconds ?? DEFAULTS.reconcile.overlapSeconds,
    staleAfterMs: given.staleAfterMs ?? DEFAULTS.reconcile.staleAfterMs,
    sweepLimit: given.sweepLimit ?? DEFAULTS.reconcile.sweepLimit,
    deliveryLogRetentionMs: given.deliveryLogRetentionMs,
    retry: given.retry,
    pageSize: given.pageSize,
  };
}

/** One reconciliation, asked for by an operator (dashboard, `settled reconcile`) or by the schedule. */
export function reconcileNow(deps: ReconcileNowDeps, settings: ReconcileSettings): Promise<ReconcileReport> {
  return reconcile(
    {
      store: deps.store,
      gateway: deps.gateway,
      now: deps.now,
      processEvents: async (ids) => {
        await deps.processFound();
        await awaitProcessing(deps.store, ids, deps.waitMs);
      },
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    },
    settings,
  );
}
