import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

const client = useConformanceClient();

async function paidIntent(amount = 5000, paymentMethod = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  return client().stripe.paymentIntents.create({
    amount,
    currency: 'eur',
    payment_method: paymentMethod,
    confirm: true,
  });
}

describe('refunds', () => {
  it('refunds part of a payment and keeps the charge total cumulative', async () => {
    const intent = await paidIntent();
    const first = await client().stripe.refunds.create({ payment_intent: intent.id, amount: 1000, metadata: { reason: 'late' } });
    expect(first).toMatchObject({
      object: 'refund',
      amount: 1000,
      currency: 'eur',
      status: 'succeeded',
      payment_intent: intent.id,
      charge: intent.latest_charge,
      metadata: { reason: 'late' },
    });
    expect(first.id).toMatch(/^re_/);
    await client().stripe.refunds.create({ charge: intent.latest_charge as string, amount: 1500 });
    const charge = await client().stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 2500, refunded: false });
  });

  it('marks the charge refunded only when the whole amount is back, and refuses more', async () => {
    const intent = await paidIntent(3000);
    const refund = await client().stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.amount).toBe(3000);
    const charge = await client().stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 3000, refunded: true });
    await expect(client().stripe.refunds.create({ payment_intent: intent.id, amount: 1 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
    });
  });

  it('retrieves a refund and lists refunds newest first, filtered by charge or payment intent', async () => {
    const intent = await paidIntent();
    const older = await client().stripe.refunds.create({ payment_intent: intent.id, amount: 100 });
    const newer = await client().stripe.refunds.create({ payment_intent: intent.id, amount: 200 });
    expect(await client().stripe.refunds.retrieve(older.id)).toMatchObject({ id: older.id, amount: 100 });
    const byIntent = await client().stripe.refunds.list({ payment_intent: intent.id });
    expect(byIntent.data.map((r) => r.id)).toEqual([newer.id, older.id]);
    const byCharge = await client().stripe.refunds.list({ charge: intent.latest_charge as string, limit: 1 });
    expect(byCharge).toMatchObject({ has_more: true, url: '/v1/refunds' });
    expect(byCharge.data.map((r) => r.id)).toEqual([newer.id]);
    const exact = await client().stripe.refunds.list({ charge: intent.latest_charge as string, limit: 2 });
    expect(exact.has_more).toBe(false);
    const rest = await client().stripe.refunds.list({ charge: intent.latest_charge as string, starting_after: newer.id });
    expect(rest.data.map((r) => r.id)).toEqual([older.id]);
  });

  it('starts a refund pending for the pending-refund test card, then succeeds on the emulated clock', async () => {
    const intent = await paidIntent(1200, 'pm_card_pendingRefund');
    const refund = await client().stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('pending');
    await client().advanceClock(3600);
    expect((await client().stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
  });

  it('fails a refund later for the refund-fail test card, with a failure reason', async () => {
    const intent = await paidIntent(1300, 'pm_card_refundFail');
    const refund = await client().stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('succeeded');
    await client().advanceClock(3600);
    const failed = await client().stripe.refunds.retrieve(refund.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toEqual(expect.any(String));
    expect((await client().stripe.charges.retrieve(intent.latest_charge as string)).amount_refunded).toBe(0);
  });

  it("updates a refund's metadata", async () => {
    const intent = await paidIntent();
    const refund = await client().stripe.refunds.create({ payment_intent: intent.id, amount: 100 });
    const updated = await client().stripe.refunds.update(refund.id, { metadata: { ticket: 'T-9' } });
    expect(updated.metadata).toEqual({ ticket: 'T-9' });
  });

  it('answers 404 for an unknown refund and 400 for a refund of nothing', async () => {
    await expect(client().stripe.refunds.retrieve('re_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const response = await client().raw('post', '/v1/refunds', { amount: 100 });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});
