import type { Fact } from '../domain/order-facts.js';
import type { OrderDerived, OrderTerms } from '../domain/order.js';
import type { OrderRecord } from './types.js';

/* What applying facts to orders takes and gives: one application (applyFacts) or a worker's batch (applyBatch). */

export interface ApplyFactsInput {
  readonly orderId: string;
  readonly facts: readonly Fact[];
  readonly eventId: string;
  readonly now: number;
  /** A fresh random token, used only if this application is the first to find the order due fulfillment. */
  readonly newAccessToken: string;
  /** The pure reducer: the order's terms and its whole fact set → derived state. */
  readonly decide: (terms: OrderTerms, facts: readonly Fact[]) => OrderDerived;
}

export interface ApplyFactsResult {
  readonly before: OrderDerived;
  readonly after: OrderRecord;
  /** True only for the one application that inserted the fulfillment row. */
  readonly fulfilledNow: boolean;
  readonly newFacts: number;
}

/** One claimed event's part in a worker's batch: its facts applied, or its claim ended ignored or failed. */
export type BatchItem =
  | { readonly kind: 'apply'; readonly eventId: string; readonly orderId: string; readonly facts: readonly Fact[]; readonly newAccessToken: string; readonly now: number }
  | { readonly kind: 'ignore'; readonly eventId: string; readonly outcome: string; readonly now: number }
  | { readonly kind: 'fail'; readonly eventId: string; readonly error: string; readonly runAt: number; readonly dead: boolean; readonly now: number };

export interface ApplyBatchInput {
  readonly items: readonly BatchItem[];
  readonly decide: ApplyFactsInput['decide'];
  /** The worker whose claims the items end; without it the facts are applied and no claim is touched. */
  readonly workerId?: string;
  /**
   * 'record' when this process posts no status notices (no notify URL): each is stored as delivered, for the pull
   * API, instead of being queued for a POST that would do nothing. Default 'queue'.
   */
  readonly statusNotices?: StatusNotices;
}

export type StatusNotices = 'queue' | 'record';

/**
 * How each item ended. `claimHeld` is false when the claim had passed to another worker (its lease expired): the
 * facts were applied all the same (applying twice changes nothing), the other worker's claim was left alone.
 * `error` is an item's own failure (an unknown order, a fact about another order): nothing of it was written.
 */
export type BatchItemResult =
  | { readonly kind: 'applied'; readonly result: ApplyFactsResult; readonly claimHeld: boolean }
  | { readonly kind: 'ignored' | 'failed'; readonly claimHeld: boolean }
  | { readonly kind: 'error'; readonly error: unknown };
