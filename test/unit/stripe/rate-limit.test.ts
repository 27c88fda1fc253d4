import { expect, it } from 'vitest';
import { isRateLimited, withRateLimitRetry } from '../../../src/stripe/rate-limit.js';

const rateLimited = Object.assign(new Error('Request rate limit exceeded.'), { type: 'StripeRateLimitError', statusCode: 429 });

it('retries a call that Stripe rate-limits, waiting longer each time, until it succeeds', async () => {
  const waits: number[] = [];
  let calls = 0;
  const result = await withRateLimitRetry(
    async () => {
      calls++;
      if (calls <= 3) throw rateLimited;
      return 'listed';
    },
    { baseDelayMs: 100, maxDelayMs: 1_000, sleep: async (ms) => void waits.push(ms), random: () => 1 },
  );
  expect(result).toBe('listed');
  expect(waits).toEqual([100, 200, 400]);
});

it('gives up after maxRetries and rethrows the 429', async () => {
  let calls = 0;
  const attempt = withRateLimitRetry(
    async () => {
      calls++;
      throw rateLimited;
    },
    { maxRetries: 2, sleep: async () => undefined },
  );
  await expect(attempt).rejects.toBe(rateLimited);
  expect(calls).toBe(3);
});

it('does not retry other errors: a 400 or a card decline is an answer, not congestion', async () => {
  let calls = 0;
  const invalid = Object.assign(new Error('No such checkout session'), { type: 'StripeInvalidRequestError', statusCode: 404 });
  await expect(
    withRateLimitRetry(async () => {
      calls++;
      throw invalid;
    }),
  ).rejects.toBe(invalid);
  expect(calls).toBe(1);
  expect(isRateLimited(invalid)).toBe(false);
  expect(isRateLimited(rateLimited)).toBe(true);
});
