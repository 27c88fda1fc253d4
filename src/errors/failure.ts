import Stripe from 'stripe';
import { isStoreUnavailable } from '../store/errors.js';
import { isTransientStripeFailure } from '../stripe/errors.js';
import { StoreUnavailableError, StripeUnavailableError } from './named.js';

/**
 * A dependency's failure, by what the caller can do about it: `stripe_unavailable` and `store_unavailable` pass (the
 * same request again may succeed), `stripe_refused` does not (Stripe said no to the request itself).
 */
export type FailureKind = 'stripe_unavailable' | 'stripe_refused' | 'store_unavailable';

/** The one reading of Stripe's and the databases' errors for everyone above them; undefined for anything else. */
export function failureKind(error: unknown): FailureKind | undefined {
  // Before the store's check: a network error on the way to Stripe is Stripe's, not the store's.
  if (error instanceof StripeUnavailableError || (error instanceof Stripe.errors.StripeError && isTransientStripeFailure(error))) return 'stripe_unavailable';
  if (error instanceof Stripe.errors.StripeError) return 'stripe_refused';
  if (isStoreUnavailable(error)) return 'store_unavailable';
  return undefined;
}

/** What a log line may say about an unexpected error: Stripe's own words may name our keys or objects. */
export function loggableError(error: unknown): Record<string, unknown> {
  if (error instanceof Stripe.errors.StripeError) return { type: error.type, code: error.code, statusCode: error.statusCode, requestId: error.requestId };
  if (error instanceof StripeUnavailableError) return { name: error.name, budgetMs: error.budgetMs, attempts: error.attempts, cause: error.cause === undefined ? undefined : loggableError(error.cause) };
  if (error instanceof StoreUnavailableError) return { name: error.name, cause: error.cause instanceof Error ? error.cause.message : String(error.cause) };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
