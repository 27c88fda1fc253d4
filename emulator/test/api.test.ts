import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSession, startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

describe('authentication and errors', () => {
  it('refuses a key that is not a test secret key with 401 and Stripe\'s error shape', async () => {
    const response = await fetch(`${world.emulator.url}/v1/checkout/sessions`, { headers: { authorization: 'Bearer pk_live_nope' } });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/Invalid API Key provided/);
    const sdk = new Stripe('sk_live_wrong', { host: '127.0.0.1', port: world.emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    await expect(sdk.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('accepts a test key by Basic auth as well as Bearer', async () => {
    const basic = Buffer.from('sk_test_basic:').toString('base64');
    const response = await fetch(`${world.emulator.url}/v1/events`, { headers: { authorization: `Basic ${basic}` } });
    expect(response.status).toBe(200);
    const missing = await fetch(`${world.emulator.url}/v1/events`);
    expect(missing.status).toBe(401);
  });

  it('rejects an unknown parameter as Stripe does, naming it in param', async () => {
    const error = await world.stripe.checkout.sessions
      .create({ mode: 'payment', line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }], x: '1' } as Stripe.Checkout.SessionCreateParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const invalid = error as Stripe.errors.StripeInvalidRequestError;
    expect(invalid.statusCode).toBe(400);
    expect(invalid.param).toBe('x');
    expect(invalid.message).toBe('Received unknown parameter: x');
  });

  it('rejects an unknown nested parameter with its bracketed path', async () => {
    const response = await fetch(`${world.emulator.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=payment&line_items[0][quantity]=1&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=100&line_items[0][price_data][product_data][name]=x&line_items[0][colour]=red',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('line_items[0][colour]');
    expect(body.error.message).toBe('Received unknown parameter: line_items[0][colour]');
  });

  it('answers 404 resource_missing for an unknown id and for an unknown URL', async () => {
    const error = (await world.stripe.paymentIntents.retrieve('pi_missing').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.message).toBe("No such payment_intent: 'pi_missing'");
    const response = await fetch(`${world.emulator.url}/v1/nothing`, { headers: { authorization: 'Bearer sk_test_x' } });
    expect(response.status).toBe(404);
  });

  it('reports a missing required parameter with its name', async () => {
    const error = (await world.stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('amount');
  });
});

describe('checkout sessions', () => {
  it('creates an open, unpaid session whose url points at the hosted page and whose totals add up', async () => {
    const session = await createSession(world.stripe, { client_reference_id: 'ref-1', customer_email: 'a@b.test' });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.object).toBe('checkout.session');
    expect(session.status).toBe('open');
    expect(session.payment_status).toBe('unpaid');
    expect(session.amount_total).toBe(3000);
    expect(session.currency).toBe('usd');
    expect(session.url?.split('#')[0]).toBe(`${world.emulator.url}/c/pay/${session.id}`);
    expect(session.metadata).toEqual({ order_id: 'ord_1' });
    expect(session.client_reference_id).toBe('ref-1');
    expect(session.customer_email).toBe('a@b.test');
    expect(session.payment_intent).toBeNull();
    expect(session.expires_at - session.created).toBe(24 * 3600);
  });

  it('retrieves, lists newest first, and returns line items', async () => {
    const first = await createSession(world.stripe);
    const second = await createSession(world.stripe);
    const retrieved = await world.stripe.checkout.sessions.retrieve(first.id);
    expect(retrieved.id).toBe(first.id);
    const list = await world.stripe.checkout.sessions.list({ limit: 1 });
    expect(list.data.map((s) => s.id)).toEqual([second.id]);
    expect(list.has_more).toBe(true);
    const items = await world.stripe.checkout.sessions.listLineItems(first.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ object: 'item', quantity: 2, amount_total: 3000, amount_subtotal: 3000, currency: 'usd', description: 'Field guide' });
    expect(items.data[0]?.price?.unit_amount).toBe(1500);
  });

  it('uses an existing price for a line item', async () => {
    const product = await world.stripe.products.create({ name: 'Atlas' });
    const price = await world.stripe.prices.create({ currency: 'eur', unit_amount: 999, product: product.id });
    const session = await createSession(world.stripe, { line_items: [{ price: price.id, quantity: 3 }] });
    expect(session.amount_total).toBe(2997);
    expect(session.currency).toBe('eur');
  });

  it('a lookup key names one price: taken, it is refused unless transfer_lookup_key moves it; lists filter by it', async () => {
    const product = await world.stripe.products.create({ name: 'Atlas' });
    const first = await world.stripe.prices.create({ currency: 'eur', unit_amount: 999, product: product.id, lookup_key: 'atlas' });
    const taken = (await world.stripe.prices.create({ currency: 'eur', unit_amount: 1099, product: product.id, lookup_key: 'atlas' }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect([taken.statusCode, taken.param, taken.message]).toEqual([400, 'lookup_key', `A price (\`${first.id}\`) already uses that lookup key.`]);
    const second = await world.stripe.prices.create({ currency: 'eur', unit_amount: 1099, product: product.id, lookup_key: 'atlas', transfer_lookup_key: true });
    expect((await world.stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    expect((await world.stripe.prices.list({ lookup_keys: ['atlas'] })).data.map((p) => p.id)).toEqual([second.id]);
    await world.stripe.prices.update(first.id, { lookup_key: 'atlas', transfer_lookup_key: true });
    expect((await world.stripe.prices.list({ lookup_keys: ['atlas'], expand: ['data.product'] })).data.map((p) => [p.id, (p.product as Stripe.Product).name])).toEqual([[first.id, 'Atlas']]);
  });

  it('expires an open session once, emitting checkout.session.expired, and refuses a second expiry', async () => {
    const session = await createSession(world.stripe);
    const expired = await world.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    expect(expired.url).toBeNull();
    const again = (await world.stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(again.statusCode).toBe(400);
    const events = await world.stripe.events.list({ type: 'checkout.session.expired' });
    expect(events.data.map((e) => (e.data.object as Stripe.Checkout.Session).id)).toEqual([session.id]);
  });

  it('expires a session by itself when the emulator clock passes expires_at', async () => {
    const created = await createSession(world.stripe);
    const session = await createSession(world.stripe, { expires_at: created.created + 3600 });
    world.emulator.advanceClock(3500);
    expect((await world.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    const response = await fetch(`${world.emulator.url}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 101 }) });
    expect(response.status).toBe(200);
    expect((await world.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    expect((await world.stripe.checkout.sessions.retrieve(created.id)).status).toBe('open');
  });

  it('refuses an expires_at outside 30 minutes to 24 hours', async () => {
    const now = Math.floor(Date.now() / 1000);
    const error = (await createSession(world.stripe, { expires_at: now + 60 }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('expires_at');
  });
});

describe('metadata limits', () => {
  it('refuses metadata keys longer than 40 characters and more than 50 keys, as Stripe does', async () => {
    const longKey = (await world.stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(longKey.statusCode).toBe(400);
    expect(longKey.param).toBe(`metadata[${'k'.repeat(41)}]`);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const tooMany = (await world.stripe.customers.create({ metadata: many }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.param).toBe('metadata');
  });
});

describe('retrieve parameters', () => {
  it('rejects an unknown query parameter on a retrieve, accepting expand[]', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const bad = await fetch(`${world.emulator.url}/v1/payment_intents/${intent.id}?colour=red`, { headers: { authorization: 'Bearer sk_test_x' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('colour');
    const good = await fetch(`${world.emulator.url}/v1/payment_intents/${intent.id}?expand[]=customer`, { headers: { authorization: 'Bearer sk_test_x' } });
    expect(good.status).toBe(200);
  });
});

describe('public URL', () => {
  it('session urls use publicUrl when the emulator sits behind another address', async () => {
    const behind = await startWorld({ publicUrl: 'http://stripe.local:8080/' });
    try {
      const session = await createSession(behind.stripe);
      expect(session.url?.split('#')[0]).toBe(`http://stripe.local:8080/c/pay/${session.id}`);
    } finally {
      await behind.close();
    }
  });
});
