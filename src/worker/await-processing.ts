import type { InboxStatus, Store } from '../store/types.js';

/** An event in one of these is done with, one way or another: the worker will not touch it again by itself. */
export const FINISHED_INBOX_STATUSES: ReadonlySet<InboxStatus> = new Set(['processed', 'ignored', 'dead']);

const POLL_MS = 20;

/**
 * Waits until each event has been processed (or ignored, or left dead), or `timeoutMs` has passed; an event the
 * inbox does not hold counts as done. Measured on the monotonic clock, not settled's `now`, which tests may stop.
 * The one wait for the worker: verify-on-landing and reconciliation both use it.
 */
export async function awaitProcessing(store: Pick<Store, 'inbox'>, eventIds: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const waiting = new Set(eventIds);
  for (;;) {
    for (const id of [...waiting]) {
      const row = await store.inbox.get(id);
      if (row === undefined || FINISHED_INBOX_STATUSES.has(row.status)) waiting.delete(id);
    }
    if (waiting.size === 0 || performance.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
