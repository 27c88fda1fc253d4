import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

describe('payment methods', () => {
  it('creates a card payment method from a test token and retrieves it', async () => {
    const created = await world.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    expect(created.id).toMatch(/^pm_/);
    expect(created.card?.last4).toBe('4242');
    const retrieved = await world.stripe.paymentMethods.retrieve(created.id);
    expect(retrieved.id).toBe(created.id);
    const intent = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: created.id, confirm: true });
    expect(intent.status).toBe('succeeded');
  });

  it('refuses a token that is not a test token', async () => {
    const error = (await world.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('card[token]');
  });

  it('a SEPA debit confirmed through the API is processing, then succeeds or fails when the clock moves', async () => {
    const good = await world.stripe.paymentIntents.create({
      amount: 1000, currency: 'eur', confirm: true,
      payment_method_data: { type: 'sepa_debit', sepa_debit: { iban: 'DE89370400440532013000' }, billing_details: { name: 'Ada', email: 'ada@shop.test' } },
    });
    expect(good.status).toBe('processing');
    const bad = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'eur' });
    await world.stripe.paymentIntents.confirm(bad.id, { payment_method_data: { type: 'sepa_debit', sepa_debit: { iban: 'DE62370400440532013001' }, billing_details: { name: 'Bo', email: 'bo@shop.test' } } });
    world.emulator.advanceClock(10);
    expect((await world.stripe.paymentIntents.retrieve(good.id)).status).toBe('succeeded');
    const failed = await world.stripe.paymentIntents.retrieve(bad.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error).not.toBeNull();
    const types = (await world.stripe.events.list({ limit: 100 })).data.map((e) => e.type);
    expect(types.filter((t) => t === 'payment_intent.processing')).toHaveLength(2);
    expect(types).toContain('payment_intent.payment_failed');
  });
});
