import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

const client = useConformanceClient();

describe('error bodies', () => {
  it('answers 401 with an error envelope when the API key is missing or malformed', async () => {
    const missing = await client().raw('get', '/v1/charges', {}, { apiKey: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.any(String) } });
    const malformed = await client().raw('get', '/v1/charges', {}, { apiKey: 'not_a_key' });
    expect(malformed.status).toBe(401);
  });

  it('answers 404 resource_missing with the param for an unknown id', async () => {
    const response = await client().raw('get', '/v1/payment_intents/pi_missing');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing', message: expect.stringContaining('pi_missing') } });
  });

  it('answers 400 parameter_missing naming a required param', async () => {
    const response = await client().raw('post', '/v1/payment_intents', { currency: 'usd' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'amount' } });
  });

  it('answers 402 card_error with the charge and a doc_url for a declined card', async () => {
    const response = await client().raw('post', '/v1/payment_intents', {
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclinedStolenCard',
      confirm: 'true',
    });
    expect(response.status).toBe(402);
    expect(response.body).toMatchObject({
      error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'stolen_card',
        charge: expect.stringMatching(/^ch_/),
        doc_url: expect.stringMatching(/^https:\/\/stripe\.com\/docs\/error-codes\//),
      },
    });
  });

  it('maps statuses to the SDK error classes', async () => {
    await expect(client().stripe.charges.retrieve('ch_missing')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404 });
    await expect(client().sdk('sk_wrong').charges.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    await expect(
      client().stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }),
    ).rejects.toMatchObject({ type: 'StripeCardError', statusCode: 402, code: 'card_declined' });
  });

  it('answers an unknown URL with 404 and the error envelope', async () => {
    const response = await client().raw('get', '/v1/not_a_resource');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('/v1/not_a_resource') } });
  });

  it('answers 400 invalid_request_error for an out-of-range list limit', async () => {
    const response = await client().raw('get', '/v1/charges', { limit: 1000 });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', param: 'limit' } });
  });

  it('replays an idempotent request and refuses the key with other parameters as idempotency_error', async () => {
    const headers = { 'idempotency-key': 'conformance-key-1' };
    const first = await client().raw('post', '/v1/customers', { email: 'one@example.com' }, { headers });
    const replay = await client().raw('post', '/v1/customers', { email: 'one@example.com' }, { headers });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const reuse = await client().raw('post', '/v1/customers', { email: 'two@example.com' }, { headers });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error: { type: 'idempotency_error' } });
    await expect(
      client().stripe.customers.create({ email: 'three@example.com' }, { idempotencyKey: 'conformance-key-1' }),
    ).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  });

  it('puts the same payment intent in a card error as the API returns for it', async () => {
    const declined = await client().raw('post', '/v1/payment_intents', { amount: 650, currency: 'usd', payment_method: 'pm_card_chargeDeclinedLostCard', confirm: 'true' });
    const embedded = (declined.body as { error: { payment_intent: { id: string } } }).error.payment_intent;
    const retrieved = await client().raw('get', `/v1/payment_intents/${embedded.id}`);
    expect(retrieved.body).toEqual(embedded);
  });

  it('replays a declined idempotent request with the same 402 and body', async () => {
    const params = { amount: 750, currency: 'usd', payment_method: 'pm_card_chargeDeclinedExpiredCard', confirm: 'true' };
    const headers = { 'idempotency-key': 'conformance-declined-1' };
    const first = await client().raw('post', '/v1/payment_intents', params, { headers });
    const replay = await client().raw('post', '/v1/payment_intents', params, { headers });
    expect(first.status).toBe(402);
    expect(first.body).toMatchObject({ error: { type: 'card_error', code: 'expired_card' } });
    expect(replay.status).toBe(402);
    expect(replay.body).toEqual(first.body);
  });

  it.each([
    [409, 'StripeAPIError'],
    [429, 'StripeRateLimitError'],
    [500, 'StripeAPIError'],
    [503, 'StripeAPIError'],
  ])('gives an injected %i a Stripe error envelope that the SDK maps to %s', async (status, type) => {
    const inject = await fetch(`${client().url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status, count: 1, path: '/v1/customers' }),
    });
    expect(inject.ok).toBe(true);
    await expect(client().stripe.customers.list()).rejects.toMatchObject({ type, statusCode: status });
    expect(client().last().body).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
    expect((await client().stripe.customers.list()).object).toBe('list');
  });
});
