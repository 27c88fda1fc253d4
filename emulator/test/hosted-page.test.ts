import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../index.js';
import { createSession, postJson, startWorld, submitHostedPage, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

async function types(): Promise<string[]> {
  return (await world.stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
}

async function retrieve(id: string): Promise<Stripe.Checkout.Session> {
  return world.stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent'] });
}

describe('hosted checkout page', () => {
  it('shows the line items, the total and a labelled card_number field posting back to itself', async () => {
    const session = await createSession(world.stripe);
    const response = await fetch(session.url ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('Field guide');
    expect(html).toContain('$30.00');
    expect(html).toMatch(/<label for="card_number">Card number<\/label>/);
    expect(html).toMatch(/<input id="card_number" name="card_number"/);
    expect(html).toContain(`action="/c/pay/${session.id}"`);
    expect(html).toContain('href="http://shop.test/cancel"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!shop\.test)[^"]*\.(css|js)/);
    // One "Pay" button only, so a browser test can find it by its name.
    expect(html.match(/<button[^>]*>Pay /g)).toHaveLength(1);
  });

  it('4242 4242 4242 4242 pays: 303 to success_url with the session id, session complete and paid', async () => {
    const session = await createSession(world.stripe);
    const response = await submitHostedPage(session.url ?? '', { card_number: '4242 4242 4242 4242', email: 'buyer@shop.test' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`http://shop.test/success?session_id=${session.id}`);
    const after = await retrieve(session.id);
    expect(after.status).toBe('complete');
    expect(after.payment_status).toBe('paid');
    expect(after.customer_details?.email).toBe('buyer@shop.test');
    const intent = after.payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('succeeded');
    expect(intent.amount).toBe(3000);
    expect(intent.metadata).toEqual({ order_id: 'ord_1' });
    expect(await types()).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
    const again = await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    expect(again.status).toBe(409);
  });

  it.each([
    ['4000 0000 0000 0002', 'Your card was declined.', 'generic_decline'],
    ['4000 0000 0000 9995', 'Your card has insufficient funds.', 'insufficient_funds'],
  ])('%s is declined on the page, the session stays open, and another card then pays', async (card, message, declineCode) => {
    const session = await createSession(world.stripe);
    const declined = await submitHostedPage(session.url ?? '', { card_number: card });
    expect(declined.status).toBe(402);
    const html = await declined.text();
    expect(html).toContain(message);
    expect(html).toMatch(/role="alert"/);
    const open = await retrieve(session.id);
    expect(open.status).toBe('open');
    expect((open.payment_intent as Stripe.PaymentIntent).last_payment_error?.decline_code).toBe(declineCode);
    const paid = await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' });
    expect(paid.status).toBe(303);
    expect((await retrieve(session.id)).payment_status).toBe('paid');
    expect(await types()).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed']);
  });

  it('every documented test card behaves as documented through plain form posts', async () => {
    for (const card of TEST_CARDS) {
      const session = await createSession(world.stripe);
      const response = await submitHostedPage(session.url ?? '', { card_number: card.number });
      if (card.authenticate) {
        expect(response.status, card.number).toBe(303);
        expect(response.headers.get('location'), card.number).toMatch(/^\/3ds\/pi_/);
        continue;
      }
      const after = await retrieve(session.id);
      if (card.outcome.kind === 'decline') {
        expect(response.status, card.number).toBe(402);
        expect(after.status, card.number).toBe('open');
        expect(await response.text(), card.number).toContain(card.outcome.message.replace("'", '&#39;'));
      } else {
        expect(response.status, card.number).toBe(303);
        expect(after.payment_status, card.number).toBe('paid');
      }
      if (card.outcome.kind === 'dispute') {
        const disputes = await world.stripe.disputes.list({ payment_intent: (after.payment_intent as Stripe.PaymentIntent).id });
        expect(disputes.data[0]?.reason, card.number).toBe(card.outcome.reason);
      }
    }
  });

  it('4000 0025 0000 3155 asks for 3D Secure; approving pays and redirects to success_url', async () => {
    const session = await createSession(world.stripe);
    const response = await submitHostedPage(session.url ?? '', { card_number: '4000002500003155' });
    expect(response.status).toBe(303);
    const authUrl = new URL(response.headers.get('location') ?? '', world.emulator.url).toString();
    expect((await retrieve(session.id)).status).toBe('open');
    expect(await (await fetch(authUrl)).text()).toContain('Complete authentication');
    const approved = await submitHostedPage(authUrl, { action: 'approve' });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(`http://shop.test/success?session_id=${session.id}`);
    expect((await retrieve(session.id)).payment_status).toBe('paid');
    expect(await types()).toContain('payment_intent.requires_action');
  });

  it('failing 3D Secure shows the error and leaves the session open', async () => {
    const session = await createSession(world.stripe);
    const response = await submitHostedPage(session.url ?? '', { card_number: '4000002500003155' });
    const authUrl = new URL(response.headers.get('location') ?? '', world.emulator.url).toString();
    const failed = await submitHostedPage(authUrl, { action: 'fail' });
    expect(failed.status).toBe(402);
    expect(await failed.text()).toContain('failed authentication');
    expect((await retrieve(session.id)).status).toBe('open');
  });

  it('a delayed SEPA debit completes the session unpaid, then succeeds when the clock passes the settle time', async () => {
    const session = await createSession(world.stripe);
    const response = await submitHostedPage(session.url ?? '', { iban: 'DE89370400440532013000' });
    expect(response.status).toBe(303);
    let after = await retrieve(session.id);
    expect(after.status).toBe('complete');
    expect(after.payment_status).toBe('unpaid');
    expect((after.payment_intent as Stripe.PaymentIntent).status).toBe('processing');
    await postJson(`${world.emulator.url}/_emulator/clock/advance`, { seconds: 10 });
    after = await retrieve(session.id);
    expect(after.payment_status).toBe('paid');
    expect((after.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
    const all = await types();
    expect(all.indexOf('checkout.session.completed')).toBeLessThan(all.indexOf('checkout.session.async_payment_succeeded'));
  });

  it('a delayed SEPA debit with the failing IBAN sends async_payment_failed and stays unpaid', async () => {
    const session = await createSession(world.stripe);
    await submitHostedPage(session.url ?? '', { iban: 'DE62 3704 0044 0532 0130 01' });
    world.emulator.advanceClock(60);
    const after = await retrieve(session.id);
    expect(after.payment_status).toBe('unpaid');
    expect((after.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    const all = await types();
    expect(all).toContain('checkout.session.async_payment_failed');
    expect(all).not.toContain('checkout.session.async_payment_succeeded');
  });

  it('refuses an empty or non-test card on the page without touching the session', async () => {
    const session = await createSession(world.stripe);
    expect((await submitHostedPage(session.url ?? '', { card_number: '' })).status).toBe(400);
    const invalid = await submitHostedPage(session.url ?? '', { card_number: '1234 5678 9012 3456' });
    expect(invalid.status).toBe(402);
    expect(await invalid.text()).toContain('Your card number is invalid.');
    expect((await retrieve(session.id)).status).toBe('open');
  });

  it('an expired session shows that it expired and takes no payment', async () => {
    const session = await createSession(world.stripe);
    world.emulator.advanceClock(24 * 3600 + 1);
    expect(await (await fetch(session.url ?? '')).text()).toContain('expired');
    expect((await submitHostedPage(session.url ?? '', { card_number: '4242424242424242' })).status).toBe(409);
    expect(await types()).toEqual(['checkout.session.expired']);
  });
});
