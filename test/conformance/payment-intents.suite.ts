import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';
import { expansionProblems } from './openapi.js';

const client = useConformanceClient();

/** stripe-node 23 dropped `payment_method_types` from its param types; older SDKs, and Stripe's samples, still send it. */
type WithTypes<T> = T & { payment_method_types?: string[] };

function newIntent(params: WithTypes<Partial<Stripe.PaymentIntentCreateParams>> = {}): Promise<Stripe.PaymentIntent> {
  return client().stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    metadata: { order_id: 'ord_pi' },
    ...params,
  });
}

describe('payment intents and charges', () => {
  it('creates an intent that waits for a payment method', async () => {
    const intent = await newIntent();
    expect(intent).toMatchObject({
      object: 'payment_intent',
      amount: 2000,
      currency: 'usd',
      status: 'requires_payment_method',
      amount_received: 0,
      latest_charge: null,
      metadata: { order_id: 'ord_pi' },
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
  });

  it('retrieves and updates an intent, merging metadata', async () => {
    const intent = await newIntent();
    const updated = await client().stripe.paymentIntents.update(intent.id, { metadata: { note: 'gift' }, description: 'Order 7' });
    expect(updated.metadata).toEqual({ order_id: 'ord_pi', note: 'gift' });
    expect(updated.description).toBe('Order 7');
    const retrieved = await client().stripe.paymentIntents.retrieve(intent.id);
    expect(retrieved).toMatchObject({ id: intent.id, description: 'Order 7', metadata: { order_id: 'ord_pi', note: 'gift' } });
  });

  it('confirms with pm_card_visa into a succeeded intent with one succeeded charge', async () => {
    const intent = await newIntent();
    const confirmed = await client().stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    expect(confirmed.latest_charge).toEqual(expect.stringMatching(/^ch_/));
    const charge = await client().stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 2000,
      amount_captured: 2000,
      amount_refunded: 0,
      captured: true,
      paid: true,
      refunded: false,
      disputed: false,
      status: 'succeeded',
      payment_intent: intent.id,
      currency: 'usd',
    });
    expect(expansionProblems('charge', client().last().body as Record<string, unknown>)).toEqual([]);
  });

  it('creates and confirms in one call, and expands latest_charge on request', async () => {
    const intent = await newIntent({ payment_method: 'pm_card_visa', confirm: true });
    expect(intent.status).toBe('succeeded');
    const expanded = await client().stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] });
    expect(expansionProblems('payment_intent', client().last().body as Record<string, unknown>, ['latest_charge'])).toEqual([]);
    expect(expanded.latest_charge).toMatchObject({ object: 'charge', payment_intent: intent.id });
  });

  it('answers a declined card with 402 card_error that names the intent and the decline', async () => {
    const intent = await newIntent();
    const response = await client().raw('post', `/v1/payment_intents/${intent.id}/confirm`, { payment_method: 'pm_card_chargeDeclined' });
    expect(response.status).toBe(402);
    expect(response.body).toMatchObject({
      error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', payment_intent: { id: intent.id } },
    });
    await expect(
      client().stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }),
    ).rejects.toMatchObject({ type: 'StripeCardError', statusCode: 402, decline_code: 'insufficient_funds' });
    const after = await client().stripe.paymentIntents.retrieve(intent.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({ type: 'card_error', decline_code: 'insufficient_funds' });
  });

  it('asks for 3D Secure with a redirect_to_url next action, and succeeds once the buyer approves', async () => {
    const intent = await newIntent({ payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/return' });
    expect(intent).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'redirect_to_url', redirect_to_url: { return_url: 'https://shop.example/return', url: expect.any(String) } },
    });
    const challenge = intent.next_action?.redirect_to_url?.url ?? '';
    const answer = await fetch(challenge, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get('location') ?? '');
    expect(back.searchParams.get('payment_intent')).toBe(intent.id);
    expect(back.searchParams.get('redirect_status')).toBe('succeeded');
    expect(await client().stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ status: 'succeeded', next_action: null });
  });

  it('cancels an unpaid intent and refuses to cancel a succeeded one', async () => {
    const open = await newIntent();
    const canceled = await client().stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    const paid = await newIntent({ payment_method: 'pm_card_visa', confirm: true });
    await expect(client().stripe.paymentIntents.cancel(paid.id)).rejects.toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('lists intents and charges newest first, filtered by payment intent', async () => {
    const older = await newIntent({ payment_method: 'pm_card_visa', confirm: true });
    const newer = await newIntent({ payment_method: 'pm_card_visa', confirm: true });
    const intents = await client().stripe.paymentIntents.list({ limit: 2 });
    expect(intents.data.map((i) => i.id)).toEqual([newer.id, older.id]);
    const charges = await client().stripe.charges.list({ payment_intent: older.id });
    expect(charges.data.map((c) => c.id)).toEqual([older.latest_charge]);
    const all = await client().stripe.charges.list({ limit: 100 });
    expect(all.data.length).toBeGreaterThanOrEqual(2);
  });

  it('accepts payment_method_options on create, update and confirm, and echoes them in the spec\'s shapes', async () => {
    const acss = await newIntent({
      currency: 'cad',
      payment_method_types: ['acss_debit'],
      payment_method_options: { acss_debit: { mandate_options: { payment_schedule: 'sporadic', transaction_type: 'personal' } } },
    });
    expect(acss.payment_method_options?.acss_debit?.mandate_options).toEqual({ payment_schedule: 'sporadic', transaction_type: 'personal' });
    const card = await newIntent({ payment_method_types: ['card'] });
    await client().stripe.paymentIntents.update(card.id, { payment_method_options: { card: { request_three_d_secure: 'any' } } });
    const confirmed = await client().stripe.paymentIntents.confirm(card.id, { payment_method: 'pm_card_visa', payment_method_options: { card: { setup_future_usage: 'off_session' } } });
    expect(confirmed.payment_method_options?.card).toMatchObject({ request_three_d_secure: 'any', setup_future_usage: 'off_session' });
  });

  it('refuses payment_method_types the currency or the account cannot use, with the error envelope', async () => {
    const wrongCurrency = await client().raw('post', '/v1/payment_intents', { amount: 2000, currency: 'usd', payment_method_types: ['au_becs_debit'] });
    expect(wrongCurrency.status).toBe(400);
    expect(wrongCurrency.body).toMatchObject({ error: { type: 'invalid_request_error', param: 'payment_method_types' } });
    const unknown = await client().raw('post', '/v1/payment_intents', { amount: 2000, currency: 'usd', payment_method_types: ['bogus_pm'] });
    expect(unknown.status).toBe(400);
  });

  it('answers a request pinned to 2020-08-27 with the intent\'s charges list, valid against the spec', async () => {
    const paid = await newIntent({ payment_method: 'pm_card_visa', confirm: true });
    const old = await client().raw('get', `/v1/payment_intents/${paid.id}`, {}, { headers: { 'stripe-version': '2020-08-27' } });
    expect(old.body).toMatchObject({ charges: { object: 'list', data: [{ id: paid.latest_charge }] } });
    const created = await client().raw('post', '/v1/payment_intents', { amount: 2000, currency: 'usd' }, { headers: { 'stripe-version': '2020-08-27' } });
    expect(created.body).toMatchObject({ automatic_payment_methods: null, payment_method_types: ['card'], charges: { data: [] } });
  });
});
