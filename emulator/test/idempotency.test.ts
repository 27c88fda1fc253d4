import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

describe('idempotency keys', () => {
  it('a repeat with the same parameters replays the first response and creates nothing new', async () => {
    const first = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'same' });
    const second = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'same' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await world.stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it('a repeat with different parameters is a 400 idempotency_error', async () => {
    await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'k' });
    const error = await world.stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(400);
    expect((error as Stripe.errors.StripeError).type).toBe('StripeIdempotencyError');
  });

  it('an error response is replayed too', async () => {
    const params = { amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true };
    const first = (await world.stripe.paymentIntents.create(params, { idempotencyKey: 'declined' }).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    const second = (await world.stripe.paymentIntents.create(params, { idempotencyKey: 'declined' }).catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(second.statusCode).toBe(402);
    expect((second.payment_intent as Stripe.PaymentIntent).id).toBe((first.payment_intent as Stripe.PaymentIntent).id);
    expect((await world.stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it('reset forgets keys, objects and events', async () => {
    await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'r' });
    const response = await fetch(`${world.emulator.url}/_emulator/reset`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect((await world.stripe.events.list()).data).toHaveLength(0);
    const again = await world.stripe.paymentIntents.create({ amount: 3000, currency: 'usd' }, { idempotencyKey: 'r' });
    expect(again.amount).toBe(3000);
  });
});
