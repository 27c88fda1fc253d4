import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../cli/api-client.js';
import { listen } from '../cli/listen.js';
import { createSession, postJson, startReceiver, startWorld, submitHostedPage, until, type Receiver, type World } from './helpers.js';

let world: World;
let receiver: Receiver;
beforeEach(async () => {
  world = await startWorld({ retryScheduleMs: [20, 40] });
  receiver = await startReceiver();
});
afterEach(async () => {
  await world.close();
  await receiver.close();
});

describe('listen', () => {
  it('forwards events in the order they happened, signed with the listen secret, and prints each attempt', async () => {
    const lines: string[] = [];
    const listening = await listen(new ApiClient(world.emulator.url), { forwardTo: receiver.url, events: ['*'], write: (line) => lines.push(line) });
    expect(listening.secret).toBe(world.emulator.listenSecret);
    const session = await createSession(world.stripe);
    await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    expect(await world.emulator.settle(5000)).toBe(true);
    const types = receiver.received.map((r) => world.stripe.webhooks.constructEvent(r.body, r.signature, listening.secret).type);
    expect(types).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    await until(() => lines.filter((line) => line.includes('<--  [200]')).length === 4);
    expect(lines.filter((line) => line.includes('   --> ')).map((line) => line.split(' --> ')[1]?.split(' ')[0])).toEqual(types);
    await listening.stop();
    expect((await world.stripe.webhookEndpoints.list()).data).toEqual([]);
  });

  it('holds each later event until the endpoint has answered the one before, even when it answers slowly', async () => {
    // The first answer takes longest: concurrent delivery would land the others first.
    receiver.delayMs = (_received, index) => (index === 0 ? 150 : 0);
    const listening = await listen(new ApiClient(world.emulator.url), { forwardTo: receiver.url, events: ['customer.created'], write: () => undefined });
    for (let i = 0; i < 5; i++) await world.stripe.customers.create({ email: `c${i}@shop.test` });
    expect(await world.emulator.settle(5000)).toBe(true);
    const emails = receiver.received.map((r) => (r.event.data.object as { email: string }).email);
    expect(emails).toEqual(['c0@shop.test', 'c1@shop.test', 'c2@shop.test', 'c3@shop.test', 'c4@shop.test']);
    const starts = world.emulator.deliveries().map((attempt) => Date.parse(attempt.sent_at));
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100);
    await listening.stop();
  });

  it('prints a failed attempt with its retry, then the retry that succeeds', async () => {
    receiver.status = (_received, index) => (index === 0 ? 503 : 200);
    const lines: string[] = [];
    const listening = await listen(new ApiClient(world.emulator.url), { forwardTo: receiver.url, events: ['customer.created'], write: (line) => lines.push(line) });
    const customer = await world.stripe.customers.create({ email: 'retry@shop.test' });
    expect(await world.emulator.settle(5000)).toBe(true);
    await until(() => lines.some((line) => line.includes('<--  [200]')));
    expect(lines.some((line) => /<-- {2}\[503\] POST \S+ \[evt_\w+\] \(will retry at /.test(line))).toBe(true);
    expect(lines.some((line) => /--> customer\.created \[evt_\w+\] \(retry 1\)/.test(line))).toBe(true);
    expect(receiver.received.map((r) => (r.event.data.object as { id: string }).id)).toEqual([customer.id, customer.id]);
    await listening.stop();
  });
});

describe('the delivery page', () => {
  it('lists recent events with every attempt, its status, duration and the start of the answer', async () => {
    await world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
    receiver.status = (_received, index) => (index === 0 ? 500 : 200);
    await world.stripe.customers.create({ email: 'page@shop.test' });
    expect(await world.emulator.settle(5000)).toBe(true);
    const html = await (await fetch(`${world.emulator.url}/_emulator/dashboard`)).text();
    expect(html).toContain('customer.created');
    expect(html).toMatch(/<td>500<\/td><td>\d+ ms<\/td>/);
    expect(html).toMatch(/<td>200<\/td><td>\d+ ms<\/td>/);
    expect(html).toContain('<code>ok</code>');
    expect(html).toContain('Resend');
  });

  it('Resend sends the event again and returns to the page', async () => {
    await world.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
    await world.stripe.customers.create({ email: 'again@shop.test' });
    expect(await world.emulator.settle(5000)).toBe(true);
    const [event] = world.emulator.events();
    const answer = await fetch(`${world.emulator.url}/_emulator/dashboard/events/${event?.id ?? ''}/resend`, { method: 'POST', redirect: 'manual' });
    expect(answer.status).toBe(303);
    expect(await world.emulator.settle(5000)).toBe(true);
    expect(receiver.received.map((r) => r.event.id)).toEqual([event?.id, event?.id]);
  });
});

describe('seed data', () => {
  it('exists at start with its ids, and again after a reset', async () => {
    const seeded = await startWorld({
      seed: {
        products: [{ id: 'prod_tee', name: 'T-shirt' }],
        prices: [{ id: 'price_tee', product: 'prod_tee', currency: 'usd', unit_amount: 2500 }],
        customers: [{ id: 'cus_seed', email: 'seed@shop.test', metadata: { tier: 'gold' } }],
      },
    });
    try {
      expect(await seeded.stripe.prices.retrieve('price_tee')).toMatchObject({ unit_amount: 2500, currency: 'usd', product: 'prod_tee' });
      const session = await createSession(seeded.stripe, { line_items: [{ price: 'price_tee', quantity: 1 }] });
      expect(session.amount_total).toBe(2500);
      await postJson(`${seeded.emulator.url}/_emulator/reset`);
      expect(await seeded.stripe.customers.retrieve('cus_seed')).toMatchObject({ email: 'seed@shop.test', metadata: { tier: 'gold' } });
      await expect(seeded.stripe.checkout.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    } finally {
      await seeded.close();
    }
  });
});
