import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

describe('injected API failures', () => {
  it('answers the next request with a 429 rate limit, then serves normally', async () => {
    const response = await postJson(`${world.emulator.url}/_emulator/faults`, { status: 429, count: 1 });
    expect(response.status).toBe(200);
    const error = await world.stripe.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect((error as Stripe.errors.StripeError).code).toBe('rate_limit');
    expect((await world.stripe.customers.list()).data).toEqual([]);
  });

  it('fails only requests under the given path, and the SDK\'s own retries get through a 500', async () => {
    world.emulator.failNext(500, 1, '/v1/payment_intents');
    expect((await world.stripe.customers.list()).object).toBe('list');
    const retrying = new Stripe('sk_test_retry', { host: '127.0.0.1', port: world.emulator.port, protocol: 'http', maxNetworkRetries: 2 });
    const intent = await retrying.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect(intent.status).toBe('requires_payment_method');
    expect((await world.stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it('refuses a status it cannot inject', async () => {
    expect((await postJson(`${world.emulator.url}/_emulator/faults`, { status: 404 })).status).toBe(400);
  });
});
