import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

const client = useConformanceClient();

describe('payment methods', () => {
  it('creates a card payment method from a test token and retrieves it', async () => {
    const method = await client().stripe.paymentMethods.create({
      type: 'card',
      card: { token: 'tok_visa' },
      billing_details: { email: 'card@example.com' },
      metadata: { source: 'conformance' },
    });
    expect(method).toMatchObject({
      object: 'payment_method',
      type: 'card',
      card: { brand: 'visa', last4: '4242' },
      billing_details: { email: 'card@example.com' },
      metadata: { source: 'conformance' },
    });
    expect(method.id).toMatch(/^pm_/);
    expect(await client().stripe.paymentMethods.retrieve(method.id)).toMatchObject({ id: method.id, type: 'card' });
  });

  it('pays with a created card payment method', async () => {
    const method = await client().stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
    const intent = await client().stripe.paymentIntents.create({ amount: 1100, currency: 'usd', payment_method: method.id, confirm: true });
    expect(intent).toMatchObject({ status: 'succeeded', payment_method: method.id });
  });

  it('debits a test IBAN: processing first, succeeded once it settles on the emulated clock', async () => {
    const intent = await client().stripe.paymentIntents.create({
      amount: 1900,
      currency: 'eur',
      payment_method_data: { type: 'sepa_debit', sepa_debit: { iban: 'DE89370400440532013000' } },
      confirm: true,
    });
    expect(intent.status).toBe('processing');
    const method = await client().stripe.paymentMethods.retrieve(intent.payment_method as string);
    expect(method).toMatchObject({ type: 'sepa_debit', sepa_debit: { last4: '3000', country: 'DE' } });
    await client().advanceClock(3600);
    expect((await client().stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });

  it('answers 400 for an unknown test token, and 404 for an unknown payment method', async () => {
    await expect(client().stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(client().stripe.paymentMethods.retrieve('pm_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
