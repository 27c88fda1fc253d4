import { setTimeout as sleepFor } from 'node:timers/promises';
import { isWorthRetrying, StripeUnavailableError } from './errors.js';
import { isRateLimited } from './rate-limit.js';
import { DEFAULTS } from '../defaults.js';

export interface Clock {
  now(): number;
  /** Resolves after ms; rejects (or never resolves) once signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  // Monotonic: a wall clock stepped by NTP must not stretch or cut a budget.
  now: () => performance.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, signal ? { signal } : {}),
};

export interface RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface CallPolicy {
  /** The whole call, every attempt and every wait between them, ends within this. */
  readonly budgetMs: number;
  /** The longest one attempt waits for an answer (less when less of the budget is left). */
  readonly attemptTimeoutMs: number;
  /** After no answer, a 409 or a 5xx. */
  readonly network: RetryPolicy;
  /** After a 429, which stripe-node does not retry unless Stripe adds Stripe-Should-Retry: true. */
  readonly rateLimit: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
}

export const DEFAULT_CALL_POLICY: CallPolicy = {
  budgetMs: DEFAULTS.stripeBudgetMs.request,
  attemptTimeoutMs: 20_000,
  // stripe-node's own: twice more, 0.5 s doubling.
  network: { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5_000 },
  // Brief, since a buyer may be waiting; the reconciler adds its own patience on top.
  rateLimit: { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 1_000 },
  clock: realClock,
  random: Math.random,
};

/**
 * What one attempt passes to stripe-node as its request options. The SDK's own retries are off: it would repeat
 * an attempt with the same timeout, so only this loop can keep the total inside the budget.
 */
export interface AttemptOptions {
  readonly timeout: number;
  readonly maxNetworkRetries: 0;
}

const DEADLINE = Symbol('deadline');

/** Settles as the call does, or rejects with DEADLINE after ms; the call itself is left to its own timeout. */
async function beforeDeadline<T>(call: Promise<T>, ms: number, clock: Clock): Promise<T> {
  const abandon = new AbortController();
  // Nobody awaits a call that lost the race; its late failure must not become an unhandled rejection.
  call.catch(() => undefined);
  const deadline = new Promise<never>((_resolve, reject) => {
    clock.sleep(ms, abandon.signal).then(
      () => reject(DEADLINE),
      () => undefined,
    );
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    abandon.abort();
  }
}

function backoffMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs one Stripe call within its budget: each attempt may wait only for what is left of it, a failure worth
 * retrying is retried after a back-off only when the back-off ends before the deadline, and at the deadline the
 * call fails with StripeUnavailableError whatever the attempt in flight is doing. The caller keeps the
 * idempotency key the same across attempts, so an attempt that reached Stripe unseen is not done twice.
 */
export async function callWithinBudget<T>(attempt: (options: AttemptOptions) => Promise<T>, policy: CallPolicy): Promise<T> {
  const { clock } = policy;
  const deadline = clock.now() + policy.budgetMs;
  const retries = { network: 0, rateLimit: 0 };
  let lastError: unknown;
  for (let attempts = 1; ; attempts++) {
    const remainingMs = deadline - clock.now();
    // A back-off that overslept the deadline leaves nothing to try with.
    if (remainingMs <= 0) throw new StripeUnavailableError(policy.budgetMs, attempts - 1, { cause: lastError });
    try {
      // stripe-node takes a timeout of 0 to mean its default, so an attempt gets at least 1 ms.
      const timeout = Math.max(1, Math.ceil(Math.min(policy.attemptTimeoutMs, remainingMs)));
      return await beforeDeadline(attempt({ timeout, maxNetworkRetries: 0 }), remainingMs, clock);
    } catch (error) {
      if (error === DEADLINE) throw new StripeUnavailableError(policy.budgetMs, attempts);
      if (!isWorthRetrying(error)) throw error;
      lastError = error;
      const kind = isRateLimited(error) ? 'rateLimit' : 'network';
      const retry = retries[kind]++;
      if (retry >= policy[kind].maxRetries) throw error;
      const waitMs = backoffMs(policy[kind], retry, policy.random);
      if (clock.now() + waitMs >= deadline) throw new StripeUnavailableError(policy.budgetMs, attempts, { cause: error });
      await clock.sleep(waitMs);
    }
  }
}
