import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../emulator/cli/api-client.js';
import { FIXTURES } from '../../emulator/cli/fixtures.js';
import { trigger } from '../../emulator/cli/trigger.js';
import { startWebhookReceiver, useConformanceClient } from './client.js';
import { deliveryProblems, fieldSetProblems } from './conformance.js';
import { validateSchema } from './openapi.js';

const client = useConformanceClient();

describe('webhook endpoints', () => {
  it('creates an endpoint whose secret is shown on create only', async () => {
    const created = await client().stripe.webhookEndpoints.create({
      url: 'https://shop.example/hooks',
      enabled_events: ['checkout.session.completed', 'charge.refunded'],
      description: 'orders',
      metadata: { team: 'shop' },
    });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: 'https://shop.example/hooks',
      enabled_events: ['checkout.session.completed', 'charge.refunded'],
      status: 'enabled',
      description: 'orders',
      metadata: { team: 'shop' },
    });
    expect(created.secret).toMatch(/^whsec_/);
    const retrieved = await client().stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.id).toBe(created.id);
    expect('secret' in retrieved).toBe(false);
  });

  it('updates, lists and deletes endpoints', async () => {
    const endpoint = await client().stripe.webhookEndpoints.create({ url: 'https://shop.example/a', enabled_events: ['*'] });
    const updated = await client().stripe.webhookEndpoints.update(endpoint.id, {
      url: 'https://shop.example/b',
      disabled: true,
      enabled_events: ['charge.succeeded'],
    });
    expect(updated).toMatchObject({ url: 'https://shop.example/b', status: 'disabled', enabled_events: ['charge.succeeded'] });
    const listed = await client().stripe.webhookEndpoints.list({ limit: 100 });
    expect(listed.data.map((e) => e.id)).toContain(endpoint.id);
    expect(listed.data.filter((e) => 'secret' in e)).toEqual([]);
    expect('secret' in updated).toBe(false);
    const deleted = await client().stripe.webhookEndpoints.del(endpoint.id);
    expect(deleted).toEqual({ id: endpoint.id, object: 'webhook_endpoint', deleted: true });
    await expect(client().stripe.webhookEndpoints.retrieve(endpoint.id)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('events', () => {
  it('delivers signed events whose payloads conform, and serves the same events from the API', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const endpoint = await client().stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['payment_intent.succeeded', 'charge.succeeded'],
      });
      const intent = await client().stripe.paymentIntents.create({
        amount: 4200,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      const { event, delivery } = await receiver.waitFor(
        (e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === intent.id,
      );
      const verified = client().stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature, endpoint.secret as string);
      expect(verified.id).toBe(event.id);
      expect(validateSchema('event', event)).toEqual([]);
      expect(fieldSetProblems(event)).toEqual([]);
      expect(event.data.object).toMatchObject({ object: 'payment_intent', id: intent.id, status: 'succeeded' });

      const charge = await receiver.waitFor((e) => e.type === 'charge.succeeded');
      expect(validateSchema('event', charge.event)).toEqual([]);
      expect(fieldSetProblems(charge.event)).toEqual([]);

      const fromApi = await client().stripe.events.retrieve(event.id);
      expect(fromApi).toMatchObject({ id: event.id, type: 'payment_intent.succeeded', data: { object: { id: intent.id } } });
    } finally {
      await receiver.close();
    }
  });

  it('lists events newest first and filters by type, with a wildcard', async () => {
    await client().stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const all = await client().stripe.events.list({ limit: 100 });
    expect(all.data.length).toBeGreaterThan(1);
    const created = all.data.map((e) => e.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const charges = await client().stripe.events.list({ type: 'charge.*' });
    expect(charges.data.length).toBeGreaterThan(0);
    expect(charges.data.every((e) => e.type.startsWith('charge.'))).toBe(true);
    const succeeded = await client().stripe.events.list({ types: ['payment_intent.succeeded'], limit: 1 });
    expect(succeeded.data.map((e) => e.type)).toEqual(['payment_intent.succeeded']);
  });

  it('pages events with ending_before and filters by created and delivery_success', async () => {
    const page = await client().stripe.events.list({ limit: 2 });
    const [newest, second] = page.data;
    if (newest === undefined || second === undefined) throw new Error('expected at least two events');
    const before = await client().stripe.events.list({ ending_before: second.id, limit: 1 });
    expect(before.data.map((e) => e.id)).toEqual([newest.id]);
    const recent = await client().stripe.events.list({ created: { gte: newest.created }, limit: 100 });
    expect(recent.data.every((e) => e.created >= newest.created)).toBe(true);
    const undelivered = await client().stripe.events.list({ delivery_success: false, limit: 100 });
    expect(undelivered.data.every((e) => e.pending_webhooks > 0)).toBe(true);
  });

  it('refuses type and types together with 400', async () => {
    const response = await client().raw('get', '/v1/events', { type: 'charge.succeeded', types: ['charge.failed'] });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', param: 'types' } });
  });

  it('answers 404 for an unknown event', async () => {
    await expect(client().stripe.events.retrieve('evt_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('resending and listening', () => {
  it('resends an event to one endpoint with POST /v1/events/:id/retry, answering the event', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const endpoint = await client().stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.canceled'] });
      const intent = await client().stripe.paymentIntents.create({ amount: 900, currency: 'usd' });
      await client().stripe.paymentIntents.cancel(intent.id);
      const { event } = await receiver.waitFor((e) => e.type === 'payment_intent.canceled' && (e.data.object as { id: string }).id === intent.id);
      const resent = await client().raw('post', `/v1/events/${event.id}/retry`, { webhook_endpoint: endpoint.id });
      expect(resent.status).toBe(200);
      expect(resent.body).toMatchObject({ id: event.id, object: 'event', type: 'payment_intent.canceled' });
      await receiver.waitFor(() => receiver.received.filter((r) => r.rawBody.includes(event.id)).length === 2);
      for (const delivery of receiver.received) expect(deliveryProblems(client().stripe, delivery, endpoint.secret as string)).toEqual([]);
      await client().stripe.webhookEndpoints.del(endpoint.id);
    } finally {
      await receiver.close();
    }
  });

  it('answers an unknown event or endpoint on retry with the error envelope', async () => {
    const missing = await client().raw('post', '/v1/events/evt_missing/retry');
    expect(missing.status).toBe(404);
    const events = await client().stripe.events.list({ limit: 1 });
    const noEndpoint = await client().raw('post', `/v1/events/${events.data[0]?.id ?? ''}/retry`, { webhook_endpoint: 'we_missing' });
    expect(noEndpoint.body).toMatchObject({ error: { code: 'resource_missing', param: 'webhook_endpoint' } });
  });

  it('every trigger fixture makes conforming requests, and listen forwards conforming events signed with the listen secret', async () => {
    const receiver = await startWebhookReceiver();
    const recorded: typeof fetch = (input, init) => (String(input).includes('/v1/') ? client().fetch(input, init) : fetch(input, init));
    const api = new ApiClient(client().url, 'sk_test_trigger', recorded);
    try {
      const listener = await api.control('post', '/_emulator/listeners', { forward_to: receiver.url, events: ['*'] });
      const secret = String(listener.body['secret']);
      for (const fixture of FIXTURES) await trigger(api, { event: fixture.event, add: [], override: [], remove: [], write: () => undefined });
      for (const fixture of FIXTURES) await receiver.waitFor((e) => e.type === fixture.event);
      const verifier = new Stripe('sk_test_verifier');
      for (const delivery of receiver.received) expect(deliveryProblems(verifier, delivery, secret)).toEqual([]);
      await api.control('delete', `/_emulator/listeners/${String(listener.body['id'])}`);
    } finally {
      await receiver.close();
    }
  });
});

