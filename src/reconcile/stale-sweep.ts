import { observedEvent } from '../stripe/observed-event.js';
import type { OrderRecord, Store } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { withRateLimitRetry, type RateLimitRetryOptions } from '../stripe/rate-limit.js';

export interface SweepOptions {
  /** An order pending longer than this is looked up at Stripe. */
  readonly staleAfterMs: number;
  readonly limit: number;
  readonly retry?: RateLimitRetryOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SweepResult {
  readonly checked: readonly OrderRecord[];
  /** Ids of the synthetic events the inbox lacked and now holds. */
  readonly inserted: readonly string[];
  /** Orders with no Stripe object to ask about (their checkout never reached Stripe). */
  readonly unreachable: readonly string[];
}

/**
 * Asks Stripe about orders that have stayed pending too long and feeds what it says into the inbox, as the
 * success page's verify does: a completed session pays, an expired one ends the order as expired.
 */
export async function sweepStaleOrders(deps: { store: Store; gateway: StripeGateway; now: () => number }, options: SweepOptions): Promise<SweepResult> {
  const { store, gateway } = deps;
  const stale = await store.orderActivity.pendingCreatedBefore({ createdBefore: deps.now() - options.staleAfterMs, limit: options.limit });
  const inserted: string[] = [];
  const unreachable: string[] = [];
  for (const [index, order] of stale.entries()) {
    const object =
      order.checkoutSessionId !== null
        ? await withRateLimitRetry(() => gateway.retrieveCheckoutSession(order.checkoutSessionId as string), options.retry)
        : order.paymentIntentId !== null
          ? await withRateLimitRetry(() => gateway.retrievePaymentIntent(order.paymentIntentId as string), options.retry)
          : undefined;
    if (object === undefined) unreachable.push(order.id);
    const now = deps.now();
    const event = object === undefined ? null : observedEvent(object, now);
    if (event !== null) {
      const [result] = await store.inbox.add([{ id: event.id, type: event.type, payload: event.body, source: 'reconcile', receivedAt: now }]);
      if (result?.inserted) inserted.push(event.id);
    }
    options.onProgress?.(index + 1, stale.length);
  }
  return { checked: stale, inserted, unreachable };
}
