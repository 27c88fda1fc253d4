import type { Store } from '../store/types.js';
import { awaitProcessing } from '../worker/await-processing.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { backfillEvents } from './events-backfill.js';
import type { RateLimitRetryOptions } from '../stripe/rate-limit.js';
import { sweepStaleOrders } from './stale-sweep.js';
import { driftOf, readStripeView, type Drift } from './stripe-view.js';

export interface ReconcileSettings {
  /** How far back the first run reads the Events API. */
  readonly lookbackSeconds: number;
  readonly overlapSeconds: number;
  /** Orders pending longer than this are looked up at Stripe; 0 turns the sweep off. */
  readonly staleAfterMs: number;
  readonly sweepLimit: number;
  /** Delivery-log entries and counted webhook rejections older than this are deleted; undefined keeps them. */
  readonly deliveryLogRetentionMs?: number | undefined;
  readonly retry?: RateLimitRetryOptions | undefined;
  /** Events per Events API page (Stripe allows 1–100; default 100). */
  readonly pageSize?: number | undefined;
}

export type ReconcilePhase = 'events' | 'sweep' | 'processing' | 'drift';

export interface ReconcileDeps {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly now: () => number;
  /** Has the worker process these inbox events, and resolves once they are finished (or it gives up waiting). */
  readonly processEvents: (eventIds: readonly string[]) => Promise<void>;
  readonly onProgress?: (phase: ReconcilePhase, done: number, total: number) => void;
}

export interface ReconcileReport {
  readonly eventsSeen: number;
  /** Events (and swept observations) the inbox lacked. */
  readonly missing: number;
  /** Of those, how many changed an order's facts or state when processed. */
  readonly applied: number;
  readonly stillProcessing: number;
  readonly ordersSwept: number;
  /** Orders that learned something only through this run. */
  readonly ordersHealed: readonly string[];
  readonly unreachable: readonly string[];
  readonly drift: readonly Drift[];
  readonly deliveriesPruned: number;
  /** Rows of counted webhook rejections (one per minute, address and reason) deleted with the delivery log. */
  readonly rejectionCountsPruned: number;
  readonly cursorSeconds: number | null;
}

/**
 * One reconciliation: Events API since the cursor, then the stale-order sweep, both into the inbox (the
 * webhook's path); the worker applies them; then every order involved is compared with what Stripe says.
 */
export async function reconcile(deps: ReconcileDeps, settings: ReconcileSettings): Promise<ReconcileReport> {
  const { store, gateway, now } = deps;
  const retainedSince = settings.deliveryLogRetentionMs === undefined ? undefined : now() - settings.deliveryLogRetentionMs;
  const deliveriesPruned = retainedSince === undefined ? 0 : await store.deliveryLog.prune({ receivedBefore: retainedSince });
  const rejectionCountsPruned = retainedSince === undefined ? 0 : await store.rejectionCounts.prune({ receivedBefore: retainedSince });

  const events = await backfillEvents(
    { store, gateway, now },
    {
      lookbackSeconds: settings.lookbackSeconds,
      overlapSeconds: settings.overlapSeconds,
      retry: settings.retry,
      pageSize: settings.pageSize,
      onProgress: (fraction) => deps.onProgress?.('events', Math.round(fraction * 1000), 1000),
    },
  );
  const sweep =
    settings.staleAfterMs > 0
      ? await sweepStaleOrders(
          { store, gateway, now },
          { staleAfterMs: settings.staleAfterMs, limit: settings.sweepLimit, retry: settings.retry, onProgress: (done, total) => deps.onProgress?.('sweep', done, total) },
        )
      : { checked: [], inserted: [], unreachable: [] };

  const missing = [...events.inserted, ...sweep.inserted];
  deps.onProgress?.('processing', 0, missing.length);
  if (missing.length > 0) await deps.processEvents(missing);
  deps.onProgress?.('processing', missing.length, missing.length);

  const healed = new Set<string>();
  let applied = 0;
  let stillProcessing = 0;
  for (const id of missing) {
    const row = await store.inbox.get(id);
    if (row === undefined || row.status === 'pending' || row.status === 'processing') stillProcessing++;
    if (row?.status !== 'processed' || row.orderId === null) continue;
    const facts = await store.orders.facts(row.orderId);
    // A fact recorded under this run's event id was news to the order; a duplicate fact is never recorded twice.
    if (facts.some((stored) => stored.eventId === id)) {
      applied++;
      healed.add(row.orderId);
    }
  }

  const involved = new Set<string>([...sweep.checked.map((order) => order.id), ...healed]);
  const drift: Drift[] = [];
  let checkedForDrift = 0;
  for (const orderId of involved) {
    const order = await store.orders.get(orderId);
    const view = order === undefined ? undefined : await readStripeView(gateway, order, settings.retry);
    const found = order === undefined || view === undefined ? undefined : driftOf(order, view);
    if (found !== undefined) drift.push(found);
    deps.onProgress?.('drift', ++checkedForDrift, involved.size);
  }

  return {
    eventsSeen: events.seen,
    missing: missing.length,
    applied,
    stillProcessing,
    ordersSwept: sweep.checked.length,
    ordersHealed: [...healed].sort(),
    unreachable: sweep.unreachable,
    drift,
    deliveriesPruned,
    rejectionCountsPruned,
    cursorSeconds: events.cursorSeconds,
  };
}

/** processEvents for a process whose worker runs in the background (serve): wake it and wait, up to a bound. */
export function waitForWorker(store: Store, notify: () => void, options: { timeoutMs: number }) {
  return async (eventIds: readonly string[]): Promise<void> => {
    notify();
    await awaitProcessing(store, eventIds, options.timeoutMs);
  };
}
