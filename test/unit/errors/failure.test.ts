import Stripe from 'stripe';
import { expect, it } from 'vitest';
import { failureKind, StoreUnavailableError, StripeUnavailableError } from '../../../src/errors/index.js';

it("Stripe's passing failures, its refusals and the store's outages are told apart; anything else is no dependency's failure", () => {
  const connectionRefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const cases: [unknown, ReturnType<typeof failureKind>][] = [
    [new StripeUnavailableError(10_000, 3), 'stripe_unavailable'],
    [new Stripe.errors.StripeConnectionError({ message: 'no answer' }), 'stripe_unavailable'],
    [new Stripe.errors.StripeAPIError({ message: 'Lock timeout', statusCode: 409 }), 'stripe_unavailable'],
    [new Stripe.errors.StripeInvalidRequestError({ message: 'No such payment_intent', statusCode: 404 }), 'stripe_refused'],
    [new StoreUnavailableError('the database is read-only', new Error('SQLITE_READONLY')), 'store_unavailable'],
    [connectionRefused, 'store_unavailable'],
    [new Error('a bug'), undefined],
    [Object.assign(new Error('not from Stripe'), { statusCode: 500 }), undefined],
    ['a string', undefined],
  ];
  for (const [error, kind] of cases) expect({ error: String(error), kind: failureKind(error) }).toEqual({ error: String(error), kind });
});
