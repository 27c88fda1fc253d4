import type { StripeGateway } from '../stripe/gateway.js';
import { observedEvent } from '../stripe/observed-event.js';
import type { OrderRecord, Store } from '../store/types.js';
import { DEFAULTS } from '../defaults.js';
import { awaitProcessing } from '../worker/await-processing.js';
import type { GroupCommitter } from '../ingest/group-commit.js';

export type VerifyTarget = { readonly sessionId: string } | { readonly paymentIntentId: string };

export type VerifyResult =
  | { readonly kind: 'unknown'; readonly message: string }
  | { readonly kind: 'checked'; readonly order: OrderRecord; readonly settled: boolean };

export interface VerifyDeps {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly committer: GroupCommitter;
  readonly now: () => number;
  /** Wakes the worker; the answer waits for it to process the event, up to `waitMs`. */
  readonly notifyWorker: () => void;
  readonly waitMs?: number;
}

/** Fulfill-on-landing: ask Stripe about an order's session or payment intent and feed the answer in. */
export async function verifyPayment(deps: VerifyDeps, target: VerifyTarget): Promise<VerifyResult> {
  const { store, gateway } = deps;
  // Only objects this shop created are looked up: the public cannot make us query Stripe for arbitrary ids.
  const order =
    'sessionId' in target
      ? await store.orders.findByCheckoutSession(target.sessionId)
      : await store.orders.findByPaymentIntent(target.paymentIntentId);
  if (!order) return { kind: 'unknown', message: 'No order of this shop was paid through that Stripe object.' };

  const object = 'sessionId' in target ? await gateway.retrieveCheckoutSession(target.sessionId) : await gateway.retrievePaymentIntent(target.paymentIntentId);
  const now = deps.now();
  const event = observedEvent(object, now);
  if (event !== null) {
    const { inserted } = await deps.committer.add({ id: event.id, type: event.type, payload: event.body, source: 'verify', receivedAt: now });
    if (inserted) deps.notifyWorker();
    await awaitProcessing(store, [event.id], deps.waitMs ?? DEFAULTS.verifyWaitMs);
  }
  const current = (await store.orders.get(order.id)) ?? order;
  return { kind: 'checked', order: current, settled: current.status === 'paid' || current.status === 'partially_refunded' };
}
