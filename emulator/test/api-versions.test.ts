import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasChange } from '../api-versions.js';
import { createSession, startReceiver, startWorld, submitHostedPage, type Receiver, type World } from './helpers.js';

let world: World;
let pinned: Stripe;
let receiver: Receiver;
beforeEach(async () => {
  world = await startWorld();
  receiver = await startReceiver();
  pinned = new Stripe('sk_test_sample', { apiVersion: '2020-08-27' as Stripe.LatestApiVersion, host: '127.0.0.1', port: world.emulator.port, protocol: 'http', maxNetworkRetries: 0 });
});
afterEach(async () => {
  await world.close();
  await receiver.close();
});

describe('Stripe-Version', () => {
  it('versions compare by date, and a version without a date counts as today\'s', () => {
    expect(hasChange('2020-08-27', 'lazyCheckoutIntent')).toBe(false);
    expect(hasChange('2022-08-01', 'lazyCheckoutIntent')).toBe(true);
    expect(hasChange('2025-03-31.basil', 'intentWithoutCharges')).toBe(true);
    expect(hasChange('latest', 'intentWithoutCharges')).toBe(true);
  });

  it('a session created pinned to 2020-08-27 has its PaymentIntent at once, and the buyer becomes a Customer', async () => {
    const session = await createSession(pinned);
    expect(session.payment_intent).toEqual(expect.stringMatching(/^pi_/));
    expect(session.customer_creation).toBe('always');
    expect((await submitHostedPage(session.url ?? '', { card_number: '4242424242424242', email: 'sample@shop.test' })).status).toBe(303);
    const paid = await pinned.checkout.sessions.retrieve(session.id);
    expect(paid.payment_intent).toBe(session.payment_intent);
    expect(paid.customer).toEqual(expect.stringMatching(/^cus_/));
    const customer = await pinned.customers.retrieve(paid.customer as string);
    expect(customer).toMatchObject({ email: 'sample@shop.test' });
    const intent = await pinned.paymentIntents.retrieve(paid.payment_intent as string);
    expect(intent.customer).toBe(paid.customer);
  });

  it('a session created in today\'s version waits for the buyer to make its PaymentIntent, and makes no Customer', async () => {
    const session = await createSession(world.stripe);
    expect(session.payment_intent).toBeNull();
    expect(session.customer_creation).toBe('if_required');
    await submitHostedPage(session.url ?? '', { card_number: '4242424242424242', email: 'today@shop.test' });
    const paid = await world.stripe.checkout.sessions.retrieve(session.id);
    expect(paid.payment_intent).toEqual(expect.stringMatching(/^pi_/));
    expect(paid.customer).toBeNull();
  });

  it('a PaymentIntent read pinned to 2020-08-27 lists its charges; today\'s version has only latest_charge', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect('charges' in intent).toBe(false);
    const old = (await pinned.paymentIntents.retrieve(intent.id)) as unknown as Stripe.PaymentIntent & { charges: Stripe.ApiList<Stripe.Charge> };
    expect(old.charges.data.map((charge) => charge.id)).toEqual([intent.latest_charge]);
    expect(old.charges.url).toBe(`/v1/charges?payment_intent=${intent.id}`);
  });

  it('an intent created without payment_method_types uses automatic payment methods since 2023-08-16, not before', async () => {
    const today = await world.stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    expect(today.automatic_payment_methods).toEqual({ allow_redirects: 'always', enabled: true });
    const old = await pinned.paymentIntents.create({ amount: 2000, currency: 'usd' });
    expect(old.automatic_payment_methods).toBeNull();
    expect(old.payment_method_types).toEqual(['card']);
  });

  it('events caused by a pinned request, and by the buyer on a pinned session, are rendered in that version', async () => {
    await world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.succeeded', 'checkout.session.completed'] });
    const session = await createSession(pinned);
    await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    expect(await world.emulator.settle(5000)).toBe(true);
    const succeeded = receiver.received.find((r) => r.event.type === 'payment_intent.succeeded');
    expect(succeeded?.event).toMatchObject({ api_version: '2020-08-27' });
    expect((succeeded?.event.data.object['charges'] as { data: unknown[] }).data).toHaveLength(1);
    expect(receiver.received.find((r) => r.event.type === 'checkout.session.completed')?.event).toMatchObject({ api_version: '2020-08-27' });
  });
});
