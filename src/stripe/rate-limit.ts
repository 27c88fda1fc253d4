export interface RateLimitRetryOptions {
  readonly maxRetries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** A Stripe 429: stripe-node raises StripeRateLimitError (type 'StripeRateLimitError', statusCode 429). */
export function isRateLimited(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { type, statusCode } = error as { type?: unknown; statusCode?: unknown };
  return type === 'StripeRateLimitError' || statusCode === 429;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a Stripe call again after a 429, waiting longer each time (full jitter). stripe-node retries 429s only
 * when Stripe sends `Stripe-Should-Retry: true`, so a plain rate-limit answer would otherwise end the run.
 */
export async function withRateLimitRetry<T>(call: () => Promise<T>, options: RateLimitRetryOptions = {}): Promise<T> {
  const maxRetries = options.maxRetries ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRateLimited(error) || attempt >= maxRetries) throw error;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
      await sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
  }
}
