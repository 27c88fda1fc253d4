import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../index.js';
import { startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

async function confirmWith(paymentMethod: string): Promise<Stripe.PaymentIntent | Stripe.errors.StripeCardError> {
  const intent = await world.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { order_id: 'o1' } });
  return world.stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod }).catch((e: Stripe.errors.StripeCardError) => e);
}

async function eventTypes(): Promise<string[]> {
  return (await world.stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
}

describe('payment intents', () => {
  it('creates a payment intent awaiting a payment method and emits payment_intent.created', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 1234, currency: 'usd', metadata: { a: 'b' } });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect(intent.metadata).toEqual({ a: 'b' });
    expect(await eventTypes()).toEqual(['payment_intent.created']);
  });

  it('pm_card_visa succeeds with a succeeded charge linked both ways', async () => {
    const intent = (await confirmWith('pm_card_visa')) as Stripe.PaymentIntent;
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(2000);
    expect(intent.payment_method).toMatch(/^pm_/);
    const charge = await world.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true, amount: 2000, amount_refunded: 0, refunded: false, disputed: false, payment_intent: intent.id });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    expect(await eventTypes()).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedLostCard', 'card_declined', 'lost_card'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', undefined],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', undefined],
  ])('%s is declined with a 402 card error (%s / %s) and the intent can be retried', async (method, code, declineCode) => {
    const error = (await confirmWith(method)) as Stripe.errors.StripeCardError;
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe(code);
    expect(error.decline_code || undefined).toBe(declineCode);
    const intent = error.payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe(code);
    const failedCharge = await world.stripe.charges.retrieve(String(intent.latest_charge));
    expect(failedCharge.status).toBe('failed');
    expect(failedCharge.failure_code).toBe(code);
    expect(await eventTypes()).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
    const retried = await world.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
  });

  it('every documented pm_card_… token behaves as its card does', async () => {
    for (const card of TEST_CARDS) {
      const result = await confirmWith(card.paymentMethodId);
      if (card.authenticate) {
        expect((result as Stripe.PaymentIntent).status, card.paymentMethodId).toBe('requires_action');
      } else if (card.outcome.kind === 'decline') {
        expect(result, card.paymentMethodId).toBeInstanceOf(Stripe.errors.StripeCardError);
        expect((result as Stripe.errors.StripeCardError).code, card.paymentMethodId).toBe(card.outcome.code);
      } else {
        const intent = result as Stripe.PaymentIntent;
        expect(intent.status, card.paymentMethodId).toBe('succeeded');
        const charge = await world.stripe.charges.retrieve(String(intent.latest_charge));
        expect(charge.payment_method_details?.card?.last4, card.paymentMethodId).toBe(card.number.slice(-4));
        expect(charge.disputed, card.paymentMethodId).toBe(card.outcome.kind === 'dispute');
      }
    }
  });

  it('pm_card_authenticationRequired asks for 3D Secure, and the redirect page approves it', async () => {
    const intent = (await confirmWith('pm_card_authenticationRequired')) as Stripe.PaymentIntent;
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('redirect_to_url');
    const url = intent.next_action?.redirect_to_url?.url ?? '';
    expect(url.startsWith(world.emulator.url)).toBe(true);
    const page = await fetch(url);
    expect(await page.text()).toContain('Complete authentication');
    const approved = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=approve' });
    expect(approved.status).toBe(200);
    expect((await world.stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
    expect(await eventTypes()).toContain('payment_intent.requires_action');
  });

  it('failing 3D Secure leaves the intent requiring a payment method with an authentication failure', async () => {
    const created = await world.stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    const intent = await world.stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_authenticationRequired', return_url: 'http://shop.test/back' });
    const url = intent.next_action?.redirect_to_url?.url ?? '';
    const failed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=fail', redirect: 'manual' });
    expect(failed.status).toBe(303);
    const location = new URL(failed.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('http://shop.test/back');
    expect(location.searchParams.get('redirect_status')).toBe('failed');
    const after = await world.stripe.paymentIntents.retrieve(intent.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('confirm=true on create charges at once; a succeeded intent cannot be confirmed again', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect(intent.status).toBe('succeeded');
    const error = (await world.stripe.paymentIntents.confirm(intent.id).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('payment_intent_unexpected_state');
  });

  it('updates metadata with previous_attributes, cancels, and lists', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 900, currency: 'usd', metadata: { a: '1' } });
    const updated = await world.stripe.paymentIntents.update(intent.id, { metadata: { b: '2' }, amount: 1100 });
    expect(updated.metadata).toEqual({ a: '1', b: '2' });
    expect(updated.amount).toBe(1100);
    const [updateEvent] = (await world.stripe.events.list({ type: 'payment_intent.updated' })).data;
    expect(updateEvent?.data.previous_attributes).toMatchObject({ amount: 900 });
    const canceled = await world.stripe.paymentIntents.cancel(intent.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.canceled_at).toBeTypeOf('number');
    expect((await world.stripe.paymentIntents.list()).data.map((p) => p.id)).toEqual([intent.id]);
    expect(await eventTypes()).toContain('payment_intent.canceled');
  });

  it('lists charges filtered by payment intent', async () => {
    const a = (await confirmWith('pm_card_visa')) as Stripe.PaymentIntent;
    await confirmWith('pm_card_visa');
    const charges = await world.stripe.charges.list({ payment_intent: a.id });
    expect(charges.data.map((c) => c.id)).toEqual([a.latest_charge]);
    expect((await world.stripe.charges.list()).data).toHaveLength(2);
  });

  it('expands payment_intent.latest_charge on retrieve', async () => {
    const a = (await confirmWith('pm_card_visa')) as Stripe.PaymentIntent;
    const expanded = await world.stripe.paymentIntents.retrieve(a.id, { expand: ['latest_charge'] });
    expect((expanded.latest_charge as Stripe.Charge).object).toBe('charge');
  });
});
