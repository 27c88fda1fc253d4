import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

async function pay(method = 'pm_card_visa'): Promise<void> {
  await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: method, confirm: true }, { idempotencyKey: `k-${Math.random()}` }).catch(() => undefined);
}

describe('events', () => {
  it('events follow Stripe\'s shape and carry the request that caused them', async () => {
    const intent = await world.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'create-1' });
    const [event] = (await world.stripe.events.list()).data;
    expect(event).toMatchObject({ object: 'event', type: 'payment_intent.created', livemode: false, pending_webhooks: 0 });
    expect(event?.id).toMatch(/^evt_/);
    expect(event?.api_version).toBeTruthy();
    expect(event?.request).toMatchObject({ idempotency_key: 'create-1' });
    expect(event?.request?.id).toMatch(/^req_/);
    expect((event?.data.object as Stripe.PaymentIntent).id).toBe(intent.id);
    const retrieved = await world.stripe.events.retrieve(event?.id ?? '');
    expect(retrieved.id).toBe(event?.id);
  });

  it('lists newest first and filters by type, wildcard and types[]', async () => {
    await pay();
    await pay('pm_card_chargeDeclined');
    const all = (await world.stripe.events.list({ limit: 100 })).data.map((e) => e.type);
    expect(all).toEqual(['payment_intent.payment_failed', 'charge.failed', 'payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'payment_intent.created']);
    expect((await world.stripe.events.list({ type: 'charge.succeeded' })).data.map((e) => e.type)).toEqual(['charge.succeeded']);
    expect((await world.stripe.events.list({ type: 'charge.*' })).data.map((e) => e.type)).toEqual(['charge.failed', 'charge.succeeded']);
    const types = await world.stripe.events.list({ types: ['charge.failed', 'payment_intent.succeeded'] });
    expect(types.data.map((e) => e.type)).toEqual(['charge.failed', 'payment_intent.succeeded']);
  });

  it('filters by created range on the emulator clock', async () => {
    await pay();
    world.emulator.advanceClock(100);
    await pay('pm_card_chargeDeclined');
    const newest = (await world.stripe.events.list({ limit: 1 })).data[0];
    const since = newest?.created ?? 0;
    const recent = await world.stripe.events.list({ created: { gte: since } });
    expect(recent.data.map((e) => e.type)).toEqual(['payment_intent.payment_failed', 'charge.failed', 'payment_intent.created']);
    const older = await world.stripe.events.list({ created: { lt: since } });
    expect(older.data).toHaveLength(3);
  });

  it('paginates with limit, starting_after and ending_before, and auto-pagination sees every event once', async () => {
    for (let i = 0; i < 3; i++) await pay();
    const first = await world.stripe.events.list({ limit: 4 });
    expect(first.has_more).toBe(true);
    expect(first.url).toBe('/v1/events');
    const second = await world.stripe.events.list({ limit: 4, starting_after: first.data.at(-1)?.id ?? '' });
    expect(second.data).toHaveLength(4);
    expect(second.has_more).toBe(true);
    const back = await world.stripe.events.list({ limit: 4, ending_before: second.data[0]?.id ?? '' });
    expect(back.data.map((e) => e.id)).toEqual(first.data.map((e) => e.id));
    const ids: string[] = [];
    for await (const event of world.stripe.events.list({ limit: 2 })) ids.push(event.id);
    expect(ids).toHaveLength(9);
    expect(new Set(ids).size).toBe(9);
  });

  it('refuses type together with types[]', async () => {
    const error = (await world.stripe.events.list({ type: 'a', types: ['b'] }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(400);
  });
});
