import Stripe from 'stripe';
import { expect, it } from 'vitest';
import { answerForError } from '../../../src/http/errors.js';
import { StripeUnavailableError } from '../../../src/stripe/errors.js';

it('a Stripe call that ran out of its budget, or met no answer, a 429, a 409 or a 5xx, answers 502 stripe_unavailable with Retry-After', () => {
  const passing = [
    new StripeUnavailableError(10_000, 1),
    new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' }),
    new Stripe.errors.StripeRateLimitError({ message: 'Too many requests', statusCode: 429 }),
    new Stripe.errors.StripeAPIError({ message: 'Lock timeout', statusCode: 409 }),
    new Stripe.errors.StripeAPIError({ message: 'An unknown error occurred', statusCode: 503 }),
  ];
  for (const error of passing) {
    const { status, code, retryAfterSeconds, unexpected } = answerForError(error);
    expect({ error: error.message, status, code, retryAfterSeconds, unexpected }).toEqual({ error: error.message, status: 502, code: 'stripe_unavailable', retryAfterSeconds: 5, unexpected: true });
  }
});

it('a request Stripe refused is still 502 stripe_unavailable, but without Retry-After: the same request would be refused again', () => {
  for (const error of [
    new Stripe.errors.StripeAuthenticationError({ message: 'Invalid API Key provided', statusCode: 401 }),
    new Stripe.errors.StripeInvalidRequestError({ message: 'No such checkout session', statusCode: 404 }),
  ]) {
    const answer = answerForError(error);
    expect({ status: answer.status, code: answer.code, retryAfterSeconds: answer.retryAfterSeconds }).toEqual({ status: 502, code: 'stripe_unavailable', retryAfterSeconds: undefined });
    expect(answer.message).not.toContain(error.message);
  }
});
