import { afterEach, expect, it } from 'vitest';
import { MAX_CHARGE_AMOUNT } from '../../../src/domain/money.js';
import type { NotificationBody } from '../../../src/domain/order-notices.js';
import { startNotifyReceiver, type NotifyReceiver } from '../../support/notify-receiver.js';
import { startShop, type Shop } from '../../support/shop.js';
import { describeEachStore } from '../../support/stores.js';

// Assembled at run time: nothing committed looks like a real key.
const apiKey = ['sk', 'shop', 'a1'.repeat(20)].join('_');
const rotatedKey = ['sk', 'shop', 'b2'.repeat(20)].join('_');
const notifySecret = ['ntf', 'c3'.repeat(20)].join('_');
const nextSecret = ['ntf', 'd4'.repeat(20)].join('_');

type ErrorBody = { error: { code: string; message: string } };
type Created = { order: { id: string; status: string; amountTotal: number; lines: { sku: string; metadata?: Record<string, string> }[] }; checkoutUrl?: string; clientSecret?: string };

const tee = { name: 'Tee', unitAmount: 2500, currency: 'usd', quantity: 2, sku: 'tee-m', metadata: { shopLineId: '41' } };

describeEachStore('sidecar API', (ctx) => {
  let shop: Shop | undefined;
  let receiver: NotifyReceiver | undefined;
  afterEach(async () => {
    await shop?.close();
    await receiver?.close();
    shop = undefined;
    receiver = undefined;
  });

  async function start(notify?: { maxAttempts?: number; timeoutMs?: number }): Promise<Shop> {
    receiver = await startNotifyReceiver();
    shop = await startShop({
      store: ctx.store,
      apiKeys: [apiKey, rotatedKey],
      notify: { url: receiver.url, secrets: [notifySecret, nextSecret], backoff: { baseMs: 10, maxMs: 40 }, ...notify },
    });
    return shop;
  }

  async function call<T>(method: string, path: string, options: { key?: string | null; body?: unknown; idempotencyKey?: string } = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (options.key !== null) headers['authorization'] = `Bearer ${options.key ?? apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    const response = await fetch(`${shop?.url ?? ''}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    return { status: response.status, body: (await response.json()) as T };
  }

  const order = (overrides: Record<string, unknown> = {}) => ({ lines: [tee], email: 'buyer@example.com', mode: 'checkout_session', ...overrides });

  it('refuses a missing or wrong API key with 401 and a code, creating nothing; every rotated key opens it', async () => {
    await start();
    const missing = await call<ErrorBody>('POST', '/api/v1/orders', { key: null, body: order() });
    expect(missing).toMatchObject({ status: 401, body: { error: { code: 'missing_api_key' } } });
    const wrong = await call<ErrorBody>('POST', '/api/v1/orders', { key: `${apiKey}x`, body: order() });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key' } } });
    expect(JSON.stringify(wrong.body)).not.toContain(apiKey);
    expect((await call<ErrorBody>('GET', '/api/v1/events', { key: 'nope' })).status).toBe(401);
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
    expect((await call('POST', '/api/v1/orders', { key: rotatedKey, body: order() })).status).toBe(201);
  });

  it('without SETTLED_API_KEYS every request is refused and says how to turn the API on', async () => {
    shop = await startShop({ store: ctx.store });
    const answer = await call<ErrorBody>('POST', '/api/v1/orders', { body: order() });
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'api_disabled', message: expect.stringContaining('SETTLED_API_KEYS') } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
  });

  it('refuses bad lines with 400 and a code, and creates no order', async () => {
    await start();
    const refused = async (lines: unknown[]): Promise<string> => {
      const answer = await call<ErrorBody>('POST', '/api/v1/orders', { body: order({ lines }) });
      expect(answer.status).toBe(400);
      return answer.body.error.code;
    };
    expect(await refused([{ ...tee, unitAmount: 19.99 }])).toBe('bad_amount');
    expect(await refused([tee, { ...tee, currency: 'eur' }])).toBe('mixed_currencies');
    expect(await refused([{ ...tee, quantity: 0 }])).toBe('bad_quantity');
    expect(await refused([{ ...tee, quantity: 100 }])).toBe('bad_quantity');
    expect(await refused([{ ...tee, unitAmount: MAX_CHARGE_AMOUNT, quantity: 2 }])).toBe('amount_too_large');
    expect(await refused([])).toBe('empty_order');
    expect(await refused([{ ...tee, unit_amount: 5 }])).toBe('invalid_request');
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
  });

  it('a Checkout order sends the buyer back to the shop\'s own URLs: the session holds them as sent, and paying lands on the success URL with the session id', async () => {
    const running = await start();
    const successUrl = 'https://shop.example/thanks?session_id={CHECKOUT_SESSION_ID}&cart=77';
    const cancelUrl = 'http://127.0.0.1:5000/cart?step=pay';
    const created = await call<Created & { order: { checkoutSessionId: string } }>('POST', '/api/v1/orders', { body: order({ successUrl, cancelUrl }) });
    expect(created.status).toBe(201);
    const sessionId = created.body.order.checkoutSessionId;
    const session = await running.stripe.checkout.sessions.retrieve(sessionId);
    expect([session.success_url, session.cancel_url]).toEqual([successUrl, cancelUrl]);
    const paid = await running.pay(created.body.checkoutUrl ?? '', '4242424242424242');
    expect(paid).toMatchObject({ status: 303, location: `https://shop.example/thanks?session_id=${sessionId}&cart=77` });

    // Without them, the buyer comes back to settled's own pages.
    const plain = await call<Created & { order: { id: string; checkoutSessionId: string } }>('POST', '/api/v1/orders', { body: order() });
    const own = await running.stripe.checkout.sessions.retrieve(plain.body.order.checkoutSessionId);
    expect([own.success_url, own.cancel_url]).toEqual([`${running.url}/success?session_id={CHECKOUT_SESSION_ID}`, `${running.url}/cancel?order_id=${plain.body.order.id}`]);
  });

  it('refuses a return URL that is not an absolute http(s) URL, or one given for a PaymentIntent, with 400 and a code, creating nothing', async () => {
    await start();
    for (const bad of [{ successUrl: '/thanks' }, { successUrl: 'shop.example/thanks' }, { cancelUrl: 'javascript:alert(1)' }, { successUrl: 'ftp://shop.example/x' }, { cancelUrl: 42 }, { successUrl: `https://shop.example/${'x'.repeat(5000)}` }]) {
      const answer = await call<ErrorBody>('POST', '/api/v1/orders', { body: order(bad) });
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringMatching(/^(successUrl|cancelUrl): /) } } });
    }
    const intent = await call<ErrorBody>('POST', '/api/v1/orders', { body: order({ mode: 'payment_intent', successUrl: 'https://shop.example/thanks' }) });
    expect(intent).toMatchObject({ status: 400, body: { error: { code: 'return_urls_need_checkout_session', message: expect.stringContaining('checkout_session') } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toEqual([]);
  });

  it('an Idempotency-Key gives a retry the same answer and refuses another body, durably', async () => {
    await start();
    const first = await call<Created>('POST', '/api/v1/orders', { body: order(), idempotencyKey: 'shop-order-77' });
    const again = await call<Created>('POST', '/api/v1/orders', { body: order(), idempotencyKey: 'shop-order-77' });
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    const other = await call<ErrorBody>('POST', '/api/v1/orders', { body: order({ email: 'other@example.com' }), idempotencyKey: 'shop-order-77' });
    expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
    expect(await ctx.store.orders.list({ limit: 10 })).toHaveLength(1);
    const bad = await call<ErrorBody>('POST', '/api/v1/orders', { body: order(), idempotencyKey: 'has space' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_idempotency_key' } } });
  });

  it('a hosted checkout paid through the emulator is posted once, signed under each secret, and pulled with the same id', async () => {
    const running = await start();
    const created = await call<Created>('POST', '/api/v1/orders', { body: order() });
    expect(created.status).toBe(201);
    expect(created.body.order).toMatchObject({ status: 'pending', amountTotal: 5000, lines: [{ sku: 'tee-m', metadata: { shopLineId: '41' } }] });
    const paid = await running.pay(created.body.checkoutUrl ?? '', '4242424242424242');
    expect(paid.status).toBe(303);
    await running.quiesce();

    const [delivered] = await (receiver as NotifyReceiver).waitFor(1);
    if (delivered?.signature === undefined) throw new Error('expected a signed notification');
    expect(delivered.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    // The official SDK verifies it as it verifies Stripe's own webhooks, under either secret of the rotation.
    for (const secret of [notifySecret, nextSecret]) {
      const verified = running.stripe.webhooks.constructEvent(delivered.body, delivered.signature, secret) as unknown as NotificationBody;
      expect(verified).toMatchObject({ type: 'order.paid', previousStatus: 'pending', data: { order: { id: created.body.order.id, status: 'paid', email: 'buyer@example.com' } } });
    }
    expect(() => running.stripe.webhooks.constructEvent(delivered.body, delivered.signature ?? '', 'ntf_wrong')).toThrow();

    const notification = JSON.parse(delivered.body) as NotificationBody;
    // On PostgreSQL a notification is pulled only once it is a few seconds old (ids there are not in commit order).
    const pulled = await eventually(() => call<{ data: NotificationBody[]; hasMore: boolean; nextCursor: string }>('GET', '/api/v1/events'), (answer) => answer.body.data.length > 0);
    expect(pulled.body.data).toEqual([notification]);
    expect(pulled.body.nextCursor).toBe(notification.id);
    const after = await call<{ data: NotificationBody[] }>('GET', `/api/v1/events?after=${notification.id}`);
    expect(after.body.data).toEqual([]);
    expect((await call<ErrorBody>('GET', '/api/v1/events?after=42')).body.error.code).toBe('invalid_cursor');

    const read = await call<Created>('GET', `/api/v1/orders/${created.body.order.id}`);
    expect(read.body.order).toMatchObject({ status: 'paid', checkoutSessionId: expect.stringMatching(/^cs_/) });
    expect((await call<ErrorBody>('GET', '/api/v1/orders/ord_nope')).body.error.code).toBe('order_not_found');
  });

  it('a PaymentIntent order answers its client secret; confirmed with the SDK it is posted as paid, refunded as refunded', async () => {
    const running = await start();
    const created = await call<Created>('POST', '/api/v1/orders', { body: order({ mode: 'payment_intent' }) });
    expect(created.body.clientSecret).toMatch(/^pi_.+_secret_/);
    const intentId = (created.body.clientSecret ?? '').split('_secret_')[0] ?? '';
    await running.stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await running.quiesce();
    const [delivered] = await (receiver as NotifyReceiver).waitFor(1);
    expect(JSON.parse(delivered?.body ?? '{}')).toMatchObject({ type: 'order.paid', data: { order: { paymentIntentId: intentId } } });
    await running.stripe.refunds.create({ payment_intent: intentId, amount: 1000 });
    await running.quiesce();
    await running.stripe.refunds.create({ payment_intent: intentId });
    await running.quiesce();
    const all = await (receiver as NotifyReceiver).waitFor(3);
    const bodies = all.map((entry) => JSON.parse(entry.body) as NotificationBody);
    expect(bodies.map((body) => [body.type, body.data.order.amountRefunded])).toEqual([['order.paid', 0], ['order.partially_refunded', 1000], ['order.refunded', 5000]]);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(3);
  });

  it('a notify URL answering 500 is retried with the same id and body; every attempt is logged; a dead one is put back and delivered', async () => {
    const running = await start({ maxAttempts: 3 });
    (receiver as NotifyReceiver).answer = () => 500;
    const created = await call<Created>('POST', '/api/v1/orders', { body: order() });
    await running.pay(created.body.checkoutUrl ?? '', '4242424242424242');
    const attempts = await (receiver as NotifyReceiver).waitFor(3);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    const [message] = await waitForDead(running);
    if (message === undefined) throw new Error('expected a dead notification');
    const logged = await ctx.store.notifications.list({ outboxId: message.id, limit: 10 });
    expect(logged.map((a) => [a.outcome, a.httpStatus, a.error])).toEqual(Array.from({ length: 3 }, () => ['failed', 500, 'the notify URL answered 500']));
    expect(await ctx.store.orders.get(created.body.order.id)).toMatchObject({ status: 'paid' });

    (receiver as NotifyReceiver).answer = () => 204;
    expect(await ctx.store.outbox.requeue({ id: message.id, now: Date.now() })).toBe(true);
    running.settled.outbox.notify();
    const all = await (receiver as NotifyReceiver).waitFor(4);
    expect(all[3]?.body).toBe(all[0]?.body);
    await running.quiesce();
    expect((await ctx.store.notifications.list({ outboxId: message.id, limit: 10 }))[0]).toMatchObject({ outcome: 'delivered', httpStatus: 204 });
  });

  it('a notify URL that never answers does not hold up payments: the order is paid while notifications time out', async () => {
    const running = await start({ timeoutMs: 200, maxAttempts: 2 });
    (receiver as NotifyReceiver).answer = () => 'hang';
    const created = await call<Created>('POST', '/api/v1/orders', { body: order() });
    await running.pay(created.body.checkoutUrl ?? '', '4242424242424242');
    await (receiver as NotifyReceiver).waitFor(1);
    expect(await ctx.store.orders.get(created.body.order.id)).toMatchObject({ status: 'paid' });
    const [dead] = await waitForDead(running);
    expect(dead?.lastError).toBe('the notify URL did not answer within 200 ms');
  });

  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function waitForDead(running: Shop) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const dead = await running.settled.store.outbox.list({ status: 'dead', limit: 10 });
      if (dead.length > 0) return dead;
      if (Date.now() > deadline) throw new Error('no notification went dead');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
});
