import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from './client.js';
import { startWebhookReceiver, useConformanceClient } from './client.js';
import { deliveryProblems } from './conformance.js';
import { expansionProblems } from './openapi.js';

// A buyer pays on the emulator's hosted page; the objects and the signed events this produces must
// conform exactly like the ones the API returns directly.

const client = useConformanceClient();
let receiver: WebhookReceiver;
let secret: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  const endpoint = await client().stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
  secret = endpoint.secret ?? '';
});

afterAll(async () => {
  await receiver.close();
});

async function openSession(): Promise<Stripe.Checkout.Session> {
  return client().stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'eur', unit_amount: 2400, product_data: { name: 'Print' } }, quantity: 1 }],
    success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cancel',
    metadata: { order_id: 'ord_flow' },
  });
}

/** Submits the hosted page form as a browser would, without following the redirect. */
async function pay(session: Stripe.Checkout.Session, field: 'card_number' | 'iban', value: string): Promise<Response> {
  return fetch(session.url as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ [field]: value, email: 'buyer@example.com' }).toString(),
    redirect: 'manual',
  });
}

function eventFor(type: string, id: string) {
  return receiver.waitFor((event) => event.type === type && (event.data.object as { id?: string }).id === id);
}

describe('a checkout paid on the hosted page', () => {
  it('completes the session as paid and sends checkout.session.completed carrying it', async () => {
    const session = await openSession();
    const answer = await pay(session, 'card_number', '4242 4242 4242 4242');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`https://shop.example/success?session_id=${session.id}`);

    const completed = await client().stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(expansionProblems('checkout.session', client().last().body as Record<string, unknown>, ['payment_intent'])).toEqual([]);
    expect(completed).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      amount_total: 2400,
      customer_details: { email: 'buyer@example.com' },
      payment_intent: { object: 'payment_intent', status: 'succeeded', amount: 2400, currency: 'eur' },
    });

    const { event } = await eventFor('checkout.session.completed', session.id);
    expect(event.data.object).toMatchObject({ status: 'complete', payment_status: 'paid', metadata: { order_id: 'ord_flow' } });
  });

  it('asks for 3D Secure, and completes the session once the buyer approves', async () => {
    const session = await openSession();
    const answer = await pay(session, 'card_number', '4000002760003184');
    expect(answer.status).toBe(303);
    const challenge = new URL(answer.headers.get('location') ?? '', client().url);
    expect(challenge.pathname).toMatch(/^\/3ds\/pi_/);

    const pending = await client().stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(pending.status).toBe('open');
    expect(pending.payment_intent).toMatchObject({ status: 'requires_action', next_action: { type: expect.any(String) } });

    const approved = await fetch(challenge, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve',
      redirect: 'manual',
    });
    expect(approved.status).toBe(303);
    expect(await client().stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
  });

  it('completes a SEPA session unpaid, then sends async_payment_succeeded when the debit settles', async () => {
    const session = await openSession();
    expect((await pay(session, 'iban', 'DE89370400440532013000')).status).toBe(303);
    const unpaid = await client().stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(unpaid).toMatchObject({ status: 'complete', payment_status: 'unpaid', payment_intent: { status: 'processing' } });

    await client().advanceClock(3600);
    const { event } = await eventFor('checkout.session.async_payment_succeeded', session.id);
    expect(event.data.object).toMatchObject({ payment_status: 'paid' });
    expect(await client().stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ payment_status: 'paid' });
  });

  it('expires an unpaid session when its time runs out and says so in an event', async () => {
    const session = await openSession();
    await client().advanceClock(25 * 3600);
    const { event } = await eventFor('checkout.session.expired', session.id);
    expect(event.data.object).toMatchObject({ status: 'expired' });
  });

  it('refunds and disputes the paid intent, and every delivered event is signed and conforms', async () => {
    const session = await openSession();
    await pay(session, 'card_number', '4000000000000259');
    const paid = await client().stripe.checkout.sessions.retrieve(session.id);
    const intentId = paid.payment_intent as string;
    await client().stripe.refunds.create({ payment_intent: intentId, amount: 400 });
    await eventFor('charge.refunded', (await client().stripe.paymentIntents.retrieve(intentId)).latest_charge as string);
    await receiver.waitFor((event) => event.type === 'charge.dispute.created');

    const types = new Set(receiver.received.map((delivery) => (JSON.parse(delivery.rawBody) as Stripe.Event).type));
    expect([...types]).toEqual(expect.arrayContaining(['checkout.session.completed', 'payment_intent.succeeded', 'charge.succeeded', 'charge.refunded', 'refund.created', 'charge.dispute.created']));
    const problems = receiver.received.flatMap((delivery) => deliveryProblems(client().stripe, delivery, secret));
    expect(problems).toEqual([]);
  });
});
