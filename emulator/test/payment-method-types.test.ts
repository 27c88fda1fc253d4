import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSession, startWorld, type World } from './helpers.js';

/** stripe-node 23 dropped `payment_method_types` from its param types; older SDKs, and Stripe's samples, still send it. */
type WithTypes<T> = T & { payment_method_types?: string[] };
const createIntent = (stripe: Stripe, params: WithTypes<Stripe.PaymentIntentCreateParams>): Promise<Stripe.PaymentIntent> => stripe.paymentIntents.create(params);

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

describe('payment_method_options', () => {
  it('acss_debit mandate options are accepted on create and echoed on the intent', async () => {
    const intent = await createIntent(world.stripe, {
      amount: 1099,
      currency: 'cad',
      payment_method_types: ['acss_debit'],
      payment_method_options: { acss_debit: { mandate_options: { payment_schedule: 'sporadic', transaction_type: 'personal' } } },
    });
    expect(intent.payment_method_options?.acss_debit).toEqual({
      mandate_options: { payment_schedule: 'sporadic', transaction_type: 'personal' },
      verification_method: 'automatic',
    });
    const retrieved = await world.stripe.paymentIntents.retrieve(intent.id);
    expect(retrieved.payment_method_options).toEqual(intent.payment_method_options);
  });

  it('a card intent echoes Stripe\'s default card options, and update and confirm change them', async () => {
    const intent = await createIntent(world.stripe, { amount: 2000, currency: 'usd', payment_method_types: ['card'] });
    expect(intent.payment_method_options?.card).toEqual({ installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' });
    const updated = await world.stripe.paymentIntents.update(intent.id, { payment_method_options: { card: { request_three_d_secure: 'any' } } });
    expect(updated.payment_method_options?.card?.request_three_d_secure).toBe('any');
    const confirmed = await world.stripe.paymentIntents.confirm(intent.id, {
      payment_method: 'pm_card_visa',
      payment_method_options: { card: { setup_future_usage: 'off_session' } },
    });
    expect(confirmed.status).toBe('succeeded');
    expect(confirmed.payment_method_options?.card).toMatchObject({ request_three_d_secure: 'any', setup_future_usage: 'off_session' });
  });

  it('konbini options come back typed as Stripe types them', async () => {
    const jp = await startWorld({ accountCountry: 'JP' });
    try {
      const intent = await createIntent(jp.stripe, {
        amount: 1099,
        currency: 'jpy',
        payment_method_types: ['konbini'],
        payment_method_options: { konbini: { product_description: 'Tシャツ', expires_after_days: 3 } },
      });
      expect(intent.payment_method_options?.konbini).toEqual({ confirmation_number: null, expires_after_days: 3, expires_at: null, product_description: 'Tシャツ' });
    } finally {
      await jp.close();
    }
  });

  it('an option Stripe does not know is refused by its full name', async () => {
    await expect(createIntent(world.stripe, {
      amount: 2000,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_options: { card: { colour: 'blue' } as Stripe.PaymentIntentCreateParams.PaymentMethodOptions.Card },
    })).rejects.toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'payment_method_options[card][colour]' });
  });
});

describe('payment_method_types', () => {
  it('a type whose currencies exclude the intent\'s is refused with Stripe\'s message', async () => {
    await expect(createIntent(world.stripe, { amount: 2000, currency: 'usd', payment_method_types: ['au_becs_debit'] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_types',
      message: 'The currency provided (usd) is invalid. Payments with au_becs_debit support the following currencies: aud.',
    });
  });

  it('an unknown type is refused as Stripe refuses a type that is not activated', async () => {
    await expect(createIntent(world.stripe, { amount: 2000, currency: 'usd', payment_method_types: ['bogus_pm'] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_types',
      message: expect.stringMatching(/^The payment method type provided: bogus_pm is invalid\. Please ensure the provided type is activated in your dashboard/),
    });
  });

  it('a type the account\'s country cannot use is refused, and allowed once the account is in that country', async () => {
    await expect(createIntent(world.stripe, { amount: 2000, currency: 'aud', payment_method_types: ['au_becs_debit'] }))
      .rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('au_becs_debit is invalid') });
    const au = await startWorld({ accountCountry: 'AU' });
    try {
      const intent = await createIntent(au.stripe, { amount: 2000, currency: 'aud', payment_method_types: ['au_becs_debit'] });
      expect(intent.payment_method_types).toEqual(['au_becs_debit']);
    } finally {
      await au.close();
    }
  });

  it('checkout sessions hold their payment_method_types to the line items\' currency', async () => {
    await expect(createSession(world.stripe, { payment_method_types: ['sepa_debit'] } as Partial<Stripe.Checkout.SessionCreateParams>)).rejects.toMatchObject({
      statusCode: 400,
      message: 'The currency provided (usd) is invalid. Payments with sepa_debit support the following currencies: eur.',
    });
  });

  it('an update to a currency the intent\'s types cannot take is refused and changes nothing', async () => {
    const intent = await createIntent(world.stripe, { amount: 2000, currency: 'eur', payment_method_types: ['sepa_debit'] });
    await expect(world.stripe.paymentIntents.update(intent.id, { currency: 'usd' })).rejects.toMatchObject({ statusCode: 400 });
    expect((await world.stripe.paymentIntents.retrieve(intent.id)).currency).toBe('eur');
  });
});

describe('the hosted page URL', () => {
  it('ends in a #fid fragment, as Stripe\'s does, and still serves the page', async () => {
    const session = await createSession(world.stripe);
    const match = /\/c\/pay\/(cs_test_[A-Za-z0-9]+)#fid[A-Za-z0-9_-]+$/.exec(session.url ?? '');
    expect(match?.[1]).toBe(session.id);
    const page = await fetch(session.url ?? '');
    expect(page.status).toBe(200);
  });
});
