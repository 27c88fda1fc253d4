import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';
import { payOnHostedPage } from '../support/hosted-page.js';
import { expansionProblems } from './openapi.js';

const client = useConformanceClient();

function newSession(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<Stripe.Checkout.Session> {
  return client().stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Field guide' } }, quantity: 2 },
      { price_data: { currency: 'usd', unit_amount: 250, product_data: { name: 'Bookmark' } }, quantity: 1 },
    ],
    success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cancel',
    metadata: { order_id: 'ord_1' },
    ...overrides,
  });
}

describe('checkout sessions', () => {
  it('creates an open, unpaid session whose totals come from its line items', async () => {
    const session = await newSession();
    expect(client().last()).toMatchObject({ method: 'post', path: '/v1/checkout/sessions', status: 200 });
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: 3250,
      amount_total: 3250,
      currency: 'usd',
      metadata: { order_id: 'ord_1' },
      livemode: false,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toMatch(/^https?:\/\//);
    expect(session.expires_at).toBeGreaterThan(session.created);
    expect(expansionProblems('checkout.session', client().last().body as Record<string, unknown>)).toEqual([]);
  });

  it('retrieves the same session, and expands payment_intent and line_items only when asked', async () => {
    const created = await newSession();
    const plain = await client().stripe.checkout.sessions.retrieve(created.id);
    expect(plain.id).toBe(created.id);
    expect('line_items' in plain).toBe(false);

    const expanded = await client().stripe.checkout.sessions.retrieve(created.id, { expand: ['line_items', 'payment_intent'] });
    const body = client().last().body as Record<string, unknown>;
    expect(expansionProblems('checkout.session', body, ['line_items', 'payment_intent'])).toEqual([]);
    expect(expanded.line_items).toMatchObject({ object: 'list', has_more: false, url: `/v1/checkout/sessions/${created.id}/line_items` });
    expect(expanded.line_items?.data.map((item) => item.amount_total)).toEqual([3000, 250]);
  });

  it('expands through lists and nested paths: data.payment_intent and payment_intent.latest_charge', async () => {
    const session = await newSession();
    await payOnHostedPage(session.url as string);
    const listed = await client().stripe.checkout.sessions.list({ limit: 1, expand: ['data.payment_intent'] });
    const item = (client().last().body as { data: Record<string, unknown>[] }).data[0] ?? {};
    expect(expansionProblems('checkout.session', item, ['payment_intent'])).toEqual([]);
    expect(listed.data[0]?.payment_intent).toMatchObject({ object: 'payment_intent', status: 'succeeded' });

    const nested = await client().stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    const intent = (client().last().body as { payment_intent: Record<string, unknown> }).payment_intent;
    expect(expansionProblems('payment_intent', intent, ['latest_charge'])).toEqual([]);
    expect(nested.payment_intent).toMatchObject({ latest_charge: { object: 'charge', status: 'succeeded' } });
  });

  it('refuses to expand a field that is not expandable, naming the path', async () => {
    const session = await newSession();
    const response = await client().raw('get', `/v1/checkout/sessions/${session.id}`, { expand: ['mode'] });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { type: 'invalid_request_error', param: 'expand', message: 'This property cannot be expanded (mode).' },
    });
    const viaSdk = client().stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'payment_intent', 'url'] });
    await expect(viaSdk).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'expand' });
  });

  it('refuses a non-expandable step inside a nested or list path', async () => {
    const session = await newSession();
    await payOnHostedPage(session.url as string);
    const nested = await client().raw('get', `/v1/checkout/sessions/${session.id}`, { expand: ['payment_intent.status'] });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ error: { param: 'expand', message: 'This property cannot be expanded (payment_intent.status).' } });
    const listed = await client().raw('get', '/v1/checkout/sessions', { limit: 1, expand: ['data.mode'] });
    expect(listed.status).toBe(400);
    expect(listed.body).toMatchObject({ error: { param: 'expand', message: 'This property cannot be expanded (data.mode).' } });
  });

  it('lists line items with their prices and quantities', async () => {
    const session = await newSession();
    const items = await client().stripe.checkout.sessions.listLineItems(session.id);
    expect(items.object).toBe('list');
    expect(items.data).toHaveLength(2);
    expect(items.data[0]).toMatchObject({
      object: 'item',
      description: 'Field guide',
      quantity: 2,
      amount_subtotal: 3000,
      amount_total: 3000,
      currency: 'usd',
      price: { object: 'price', unit_amount: 1500, currency: 'usd' },
    });
    const page = await client().stripe.checkout.sessions.listLineItems(session.id, { limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(page.has_more).toBe(true);
    const withProducts = await client().stripe.checkout.sessions.listLineItems(session.id, { expand: ['data.price.product'] });
    const price = (client().last().body as { data: { price: Record<string, unknown> }[] }).data[0]?.price ?? {};
    expect(expansionProblems('price', price, ['product'])).toEqual([]);
    expect(withProducts.data[0]?.price?.product).toMatchObject({ object: 'product', name: 'Field guide' });
  });

  it('lists sessions newest first and pages with starting_after', async () => {
    const first = await newSession();
    const second = await newSession();
    const page = await client().stripe.checkout.sessions.list({ limit: 1 });
    expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/checkout/sessions' });
    expect(page.data.map((s) => s.id)).toEqual([second.id]);
    const next = await client().stripe.checkout.sessions.list({ limit: 1, starting_after: second.id });
    expect(next.data.map((s) => s.id)).toEqual([first.id]);
  });

  it('filters the session list by status', async () => {
    const session = await newSession();
    await client().stripe.checkout.sessions.expire(session.id);
    const expired = await client().stripe.checkout.sessions.list({ status: 'expired', limit: 100 });
    expect(expired.data.map((s) => s.id)).toContain(session.id);
    expect(expired.data.every((s) => s.status === 'expired')).toBe(true);
  });

  it('expires an open session once and refuses to expire it again', async () => {
    const session = await newSession();
    const expired = await client().stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ id: session.id, status: 'expired', payment_status: 'unpaid' });
    await expect(client().stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
    });
    expect(client().last().status).toBe(400);
  });

  it('answers 404 resource_missing for an unknown session', async () => {
    await expect(client().stripe.checkout.sessions.retrieve('cs_test_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('answers 400 parameter_unknown naming the param for a parameter Stripe does not have', async () => {
    const response = await client().raw('post', '/v1/checkout/sessions', {
      mode: 'payment',
      success_url: 'https://shop.example/success',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
      colour: 'blue',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_unknown', param: 'colour' } });
  });

  it('gives the hosted URL Stripe\'s #fid fragment', async () => {
    const session = await newSession();
    expect(session.url).toMatch(new RegExp(`/c/pay/${session.id}#fid[A-Za-z0-9_-]+$`));
  });

  it('pinned to 2020-08-27, creates the PaymentIntent with the session and a Customer when the buyer pays', async () => {
    const pinned = { headers: { 'stripe-version': '2020-08-27' } };
    const params = {
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Field guide' } }, quantity: 1 }],
      success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
    };
    const created = await client().raw('post', '/v1/checkout/sessions', params, pinned);
    const session = created.body as Stripe.Checkout.Session;
    expect(session).toMatchObject({ payment_intent: expect.stringMatching(/^pi_/), customer_creation: 'always' });
    await payOnHostedPage(session.url as string);
    const paid = await client().raw('get', `/v1/checkout/sessions/${session.id}`, { expand: ['payment_intent'] }, pinned);
    expect(paid.body).toMatchObject({ customer: expect.stringMatching(/^cus_/), payment_intent: { id: session.payment_intent, charges: { object: 'list' } } });
  });
});
