import type { Store } from '../store/types.js';
import { HANDLED_EVENT_TYPES } from '../stripe/event-facts.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { withRateLimitRetry, type RateLimitRetryOptions } from '../stripe/rate-limit.js';

/** Unix seconds of the newest event the last run saw; the next run starts there, minus the overlap. */
export const EVENTS_CURSOR_KEY = 'reconcile.events_cursor';

/** Stripe keeps events for 30 days; asking for older ones finds nothing and only wastes calls. */
const RETENTION_SECONDS = 30 * 24 * 3600;

export interface BackfillOptions {
  /** How far back the first run looks (capped at Stripe's 30 days). */
  readonly lookbackSeconds: number;
  /** Re-read this much before the cursor: events with the cursor's timestamp, or listed late, are not skipped. */
  readonly overlapSeconds: number;
  readonly pageSize?: number | undefined;
  readonly retry?: RateLimitRetryOptions;
  /** Fraction of the time window covered so far, 0..1 (events are listed newest first). */
  readonly onProgress?: (fraction: number) => void;
}

export interface BackfillResult {
  readonly seen: number;
  /** Ids of the events the inbox lacked and now holds. */
  readonly inserted: readonly string[];
  /** Unix seconds the run listed from. */
  readonly fromSeconds: number;
  readonly cursorSeconds: number | null;
}

export async function backfillEvents(
  deps: { store: Store; gateway: Pick<StripeGateway, 'listEvents'>; now: () => number },
  options: BackfillOptions,
): Promise<BackfillResult> {
  const { store, gateway } = deps;
  const nowSeconds = Math.floor(deps.now() / 1000);
  const stored = await store.settings.get(EVENTS_CURSOR_KEY);
  const cursor = stored === undefined ? null : Number(stored);
  const oldest = nowSeconds - RETENTION_SECONDS;
  const fromSeconds = Math.max(oldest, cursor === null ? nowSeconds - options.lookbackSeconds : cursor - options.overlapSeconds);
  const span = Math.max(1, nowSeconds - fromSeconds);

  let seen = 0;
  let newest = cursor;
  const inserted: string[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await withRateLimitRetry(
      () =>
        gateway.listEvents({
          types: [...HANDLED_EVENT_TYPES],
          created: { gte: fromSeconds },
          limit: options.pageSize ?? 100,
          ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
        }),
      options.retry,
    );
    if (page.data.length > 0) {
      const receivedAt = deps.now();
      const results = await store.inbox.add(
        page.data.map((event) => ({ id: event.id, type: event.type, payload: JSON.stringify(event), source: 'reconcile' as const, receivedAt })),
      );
      for (const result of results) if (result.inserted) inserted.push(result.id);
      seen += page.data.length;
      for (const event of page.data) newest = Math.max(newest ?? event.created, event.created);
      const last = page.data[page.data.length - 1]!;
      startingAfter = last.id;
      options.onProgress?.(Math.min(1, (nowSeconds - last.created) / span));
    }
    if (!page.has_more || page.data.length === 0) break;
  }
  options.onProgress?.(1);
  // The cursor only moves once the whole window has been read; a run that fails part-way is repeated.
  if (newest !== null && newest !== cursor) await store.settings.set(EVENTS_CURSOR_KEY, String(newest));
  return { seen, inserted, fromSeconds, cursorSeconds: newest };
}
