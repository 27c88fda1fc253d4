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
});
