import { StripeUnavailableError } from '../errors/named.js';
import { isRateLimited } from './rate-limit.js';

export { StripeUnavailableError } from '../errors/named.js';

function field(error: object, name: 'type' | 'statusCode' | 'headers'): unknown {
  return (error as Record<string, unknown>)[name];
}

/**
 * A failure that says nothing about the request itself and may pass: no answer, a 429, a 409 (a lock or a
 * concurrent request with the same key) or a 5xx. These are what stripe-node would retry on its own.
 */
export function isTransientStripeFailure(error: unknown): boolean {
  if (error instanceof StripeUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  if (field(error, 'type') === 'StripeConnectionError' || isRateLimited(error)) return true;
  const status = field(error, 'statusCode');
  return status === 409 || (typeof status === 'number' && status >= 500);
}

/** Transient, and Stripe did not say `Stripe-Should-Retry: false` (it does when a retry would change nothing). */
export function isWorthRetrying(error: unknown): boolean {
  if (!isTransientStripeFailure(error) || error instanceof StripeUnavailableError) return false;
  const headers = field(error as object, 'headers');
  const advice = typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>)['stripe-should-retry'] : undefined;
  return advice !== 'false';
}
