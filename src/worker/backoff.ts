import type { Store } from '../store/types.js';

type Dialect = Store['dialect'];

/** Exponential backoff with full jitter, capped; `random` is injected so tests can pin it. */
export function nextAttemptDelayMs(attempts: number, options: { baseMs: number; maxMs: number; random: () => number }): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * options.random());
}

/** How a queue (the inbox, the outbox) is worked: defaults in DEFAULTS.worker and DEFAULTS.outbox. */
export interface QueueSettings {
  /** Most items claimed at once. */
  readonly batchSize: number;
  /** How long a claim is held before another worker may take it over (its worker died). */
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  /** After a batch that was not full, how long to wait before claiming the next (0: at once). */
  readonly gatherMs: number;
  /** The attempt that fails with this many made is the last: the item becomes a dead letter. */
  readonly maxAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** How long a batch waits for its slowest item (a Stripe lookup, a handler) before its commit goes on without it. */
  readonly slowAfterMs: number;
  /** How many batches one worker runs at once while it finds them full (a backlog); one otherwise. */
  readonly lanes: number;
}

/** What becomes of an item whose attempt failed: retried at `runAt`, or a dead letter after its last attempt. */
export function afterFailure(attempts: number, settings: QueueSettings, now: number, random: () => number): { runAt: number; dead: boolean } {
  return { runAt: now + nextAttemptDelayMs(attempts, { ...settings.backoff, random }), dead: attempts >= settings.maxAttempts };
}

/** A queue's defaults: the batch size is the store's (see DEFAULTS.worker). */
export type QueueDefaults = Omit<QueueSettings, 'batchSize'> & { readonly batchSize: Readonly<Record<Dialect, number>> };

/** The settings given, the rest from the queue's defaults for this store. */
export function queueSettings(defaults: QueueDefaults, dialect: Dialect, given: Partial<{ [K in keyof QueueSettings]: QueueSettings[K] | undefined }>): QueueSettings {
  return {
    batchSize: given.batchSize ?? defaults.batchSize[dialect],
    leaseMs: given.leaseMs ?? defaults.leaseMs,
    pollIntervalMs: given.pollIntervalMs ?? defaults.pollIntervalMs,
    gatherMs: given.gatherMs ?? defaults.gatherMs,
    maxAttempts: given.maxAttempts ?? defaults.maxAttempts,
    backoff: given.backoff ?? defaults.backoff,
    slowAfterMs: given.slowAfterMs ?? defaults.slowAfterMs,
    lanes: given.lanes ?? defaults.lanes,
  };
}
