import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSession, postJson, startReceiver, startWorld, submitHostedPage, until, type Receiver, type World } from './helpers.js';

let world: World;
let receiver: Receiver;
beforeEach(async () => {
  world = await startWorld();
  receiver = await startReceiver();
});
afterEach(async () => {
  await world.close();
  await receiver.close();
});

async function endpoint(events: string[] = ['*']): Promise<Stripe.WebhookEndpoint> {
  return world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[] });
}

async function paySession(card = '4242424242424242'): Promise<Stripe.Checkout.Session> {
  const session = await createSession(world.stripe);
  const response = await submitHostedPage(session.url ?? '', { card_number: card });
  expect(response.status).toBe(303);
  return session;
}

describe('webhook endpoints', () => {
  it('returns the secret only on create, and lists, updates and deletes endpoints', async () => {
    const created = await endpoint(['checkout.session.completed']);
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_/);
    const retrieved = await world.stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    const updated = await world.stripe.webhookEndpoints.update(created.id, { disabled: true, enabled_events: ['*'] });
    expect(updated.status).toBe('disabled');
    expect(updated.enabled_events).toEqual(['*']);
    expect((await world.stripe.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([created.id]);
    const deleted = await world.stripe.webhookEndpoints.del(created.id);
    expect(deleted.deleted).toBe(true);
    expect((await world.stripe.webhookEndpoints.list()).data).toHaveLength(0);
  });
});

describe('signed delivery', () => {
  it('delivers every subscribed event signed so that constructEvent accepts it', async () => {
    const { secret } = await endpoint();
    const session = await paySession();
    expect(await world.emulator.settle(5000)).toBe(true);
    const types = receiver.received.map((r) => world.stripe.webhooks.constructEvent(r.body, r.signature, secret ?? '').type);
    expect(types).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    const completed = receiver.received.find((r) => r.event.type === 'checkout.session.completed');
    expect(completed?.event.data.object['id']).toBe(session.id);
    expect(completed?.event.data.object['payment_status']).toBe('paid');
    expect(receiver.received[0]?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('sends only the event types an endpoint subscribes to', async () => {
    await endpoint(['checkout.session.completed']);
    await paySession();
    await world.emulator.settle(5000);
    expect(receiver.received.map((r) => r.event.type)).toEqual(['checkout.session.completed']);
  });

  it('signatures fail verification for a tampered body or a wrong secret', async () => {
    const { secret } = await endpoint(['checkout.session.completed']);
    await paySession();
    await world.emulator.settle(5000);
    const [delivered] = receiver.received;
    if (!delivered) throw new Error('nothing delivered');
    expect(() => world.stripe.webhooks.constructEvent(delivered.body.replace('"paid"', '"unpaid"'), delivered.signature, secret ?? '')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => world.stripe.webhooks.constructEvent(delivered.body, delivered.signature, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('retries a failed delivery per the schedule, re-signing it, and records every attempt', async () => {
    const { secret } = await endpoint(['checkout.session.completed']);
    receiver.status = (_received, index) => (index < 2 ? 500 : 200);
    await paySession();
    expect(await world.emulator.settle(5000)).toBe(true);
    expect(receiver.received).toHaveLength(3);
    for (const r of receiver.received) expect(world.stripe.webhooks.constructEvent(r.body, r.signature, secret ?? '').type).toBe('checkout.session.completed');
    const attempts = (await (await fetch(`${world.emulator.url}/_emulator/deliveries`)).json()) as { data: Array<{ attempt: number; status: number; ok: boolean }> };
    expect(attempts.data.map((a) => [a.attempt, a.status, a.ok])).toEqual([[1, 500, false], [2, 500, false], [3, 200, true]]);
    expect(world.emulator.deliveries().map((a) => a.failure)).toEqual(['status', 'status', null]);
    const [event] = (await world.stripe.events.list({ type: 'checkout.session.completed' })).data;
    expect(event?.pending_webhooks).toBe(0);
  });

  it('gives up after the last retry and keeps pending_webhooks counting the endpoint', async () => {
    await endpoint(['checkout.session.completed']);
    receiver.status = () => 503;
    await paySession();
    expect(await world.emulator.settle(5000)).toBe(true);
    expect(receiver.received).toHaveLength(4);
    const [event] = (await world.stripe.events.list({ type: 'checkout.session.completed' })).data;
    expect(event?.pending_webhooks).toBe(1);
    const pending = await world.stripe.events.list({ delivery_success: false } as Stripe.EventListParams);
    expect(pending.data.map((e) => e.type)).toContain('checkout.session.completed');
  });

  it('an endpoint that does not answer in time counts as a failure and is retried', async () => {
    await world.close();
    world = await startWorld({ deliveryTimeoutMs: 100 });
    const { createServer } = await import('node:http');
    let calls = 0;
    // The first request is never answered; the retry is.
    const silent = createServer((request, response) => {
      calls += 1;
      if (calls > 1) response.end('ok');
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await world.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/hook`, enabled_events: ['checkout.session.completed'] });
    await paySession();
    expect(await world.emulator.settle(5000)).toBe(true);
    const attempts = world.emulator.deliveries();
    expect(attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(attempts[0]?.error).toMatch(/timed out/);
    expect(attempts.map((a) => a.failure)).toEqual(['timeout', null]);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('an endpoint nobody listens on is a connection failure, told apart from a timeout or an answer', async () => {
    const { createServer } = await import('node:net');
    // A port that was free a moment ago: connecting to it is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await world.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/hook`, enabled_events: ['checkout.session.completed'] });
    await paySession();
    await world.emulator.settle(5000);
    const attempts = world.emulator.deliveries();
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => !a.ok && a.status === null && a.failure === 'connection')).toBe(true);
  });

  it('treats a redirect as a failure, as Stripe does', async () => {
    await endpoint(['checkout.session.completed']);
    receiver.status = (_received, index) => (index === 0 ? 302 : 200);
    await paySession();
    await world.emulator.settle(5000);
    expect(world.emulator.deliveries().map((a) => a.ok)).toEqual([false, true]);
  });

  it('holds events while delivery is paused and delivers them on resume', async () => {
    await endpoint(['checkout.session.completed']);
    expect((await postJson(`${world.emulator.url}/_emulator/webhooks/pause`)).status).toBe(200);
    await paySession();
    await world.emulator.settle(5000);
    expect(receiver.received).toHaveLength(0);
    await postJson(`${world.emulator.url}/_emulator/webhooks/resume`);
    const wait = (await (await postJson(`${world.emulator.url}/_emulator/settle`, { timeout_ms: 5000 })).json()) as { settled: boolean };
    expect(wait.settled).toBe(true);
    expect(receiver.received.map((r) => r.event.type)).toEqual(['checkout.session.completed']);
  });
});

describe('chaos', () => {
  async function run(chaos: Record<string, number>): Promise<{ expected: string[]; received: string[] }> {
    await endpoint();
    await postJson(`${world.emulator.url}/_emulator/chaos`, chaos);
    for (let i = 0; i < 4; i++) await paySession();
    const wait = (await (await fetch(`${world.emulator.url}/_emulator/deliveries/wait?timeout_ms=10000`)).json()) as { settled: boolean };
    expect(wait.settled).toBe(true);
    const expected = world.emulator.events().map((e) => e.id).sort();
    return { expected, received: receiver.received.map((r) => r.event.id) };
  }

  it('duplicates deliveries but every event arrives at least once', async () => {
    const { expected, received } = await run({ duplicates: 3, seed: 7 });
    expect([...new Set(received)].sort()).toEqual(expected);
    expect(received.length).toBeGreaterThan(expected.length);
  });

  it('shuffles delivery order within a window and still delivers everything', async () => {
    const { expected, received } = await run({ shuffleWindowMs: 40, seed: 3 });
    expect([...new Set(received)].sort()).toEqual(expected);
    const order = world.emulator.events().reverse().map((e) => e.id);
    expect(received).not.toEqual(order);
  });

  it('fails a fraction of attempts before they reach the endpoint and retries them', async () => {
    const { expected, received } = await run({ failRate: 0.5, seed: 11 });
    expect([...new Set(received)].sort()).toEqual(expected);
    const attempts = world.emulator.deliveries();
    expect(attempts.some((a) => a.chaos_failed)).toBe(true);
    expect(attempts.every((a) => a.chaos_failed === (a.failure === 'chaos'))).toBe(true);
  });
});

describe('checkout redirect and the completed webhook', () => {
  it('with checkoutWebhookWaitMs, the buyer is redirected only after the endpoint had checkout.session.completed', async () => {
    await world.close();
    world = await startWorld({ checkoutWebhookWaitMs: 5000 });
    await world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['checkout.session.completed'] });
    const session = await createSession(world.stripe);
    const response = await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    expect(response.status).toBe(303);
    expect(receiver.received.map((r) => r.event.type)).toEqual(['checkout.session.completed']);
  });
});

describe('retries on the emulator clock', () => {
  it('with Stripe\'s default schedule, advancing the clock past a retry makes it happen now', async () => {
    await world.close();
    world = await startWorld({ retryScheduleMs: undefined });
    await world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['checkout.session.completed'] });
    receiver.status = (_received, index) => (index === 0 ? 500 : 200);
    const session = await createSession(world.stripe);
    await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    await until(() => world.emulator.deliveries().length === 1);
    const status = (await (await fetch(`${world.emulator.url}/_emulator/deliveries`)).json()) as { pending: number };
    expect(status.pending).toBe(1);
    expect(receiver.received).toHaveLength(1);
    await postJson(`${world.emulator.url}/_emulator/clock/advance`, { seconds: 5 * 60 });
    expect(await world.emulator.settle(5000)).toBe(true);
    expect(world.emulator.deliveries().map((a) => [a.attempt, a.ok])).toEqual([[1, false], [2, true]]);
  });
});
