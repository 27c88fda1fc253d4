import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startWorld, type World } from './helpers.js';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});

async function paid(paymentMethod = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  return world.stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: paymentMethod, confirm: true });
}

describe('refunds', () => {
  it('a partial then a full refund accumulate amount_refunded and flip refunded only at the end', async () => {
    const intent = await paid();
    const first = await world.stripe.refunds.create({ payment_intent: intent.id, amount: 2000 });
    expect(first).toMatchObject({ object: 'refund', amount: 2000, status: 'succeeded', payment_intent: intent.id, charge: intent.latest_charge });
    let charge = await world.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.amount_refunded).toBe(2000);
    expect(charge.refunded).toBe(false);
    const second = await world.stripe.refunds.create({ charge: charge.id });
    expect(second.amount).toBe(3000);
    charge = await world.stripe.charges.retrieve(charge.id);
    expect(charge.amount_refunded).toBe(5000);
    expect(charge.refunded).toBe(true);
    const refundedEvents = (await world.stripe.events.list({ type: 'charge.refunded' })).data;
    expect(refundedEvents.map((e) => (e.data.object as Stripe.Charge).amount_refunded)).toEqual([5000, 2000]);
    expect(refundedEvents[1]?.data.previous_attributes).toMatchObject({ amount_refunded: 0, refunded: false });
    expect((await world.stripe.events.list({ type: 'refund.created' })).data).toHaveLength(2);
  });

  it('refuses to refund more than is left, and a fully refunded charge', async () => {
    const intent = await paid();
    const tooMuch = (await world.stripe.refunds.create({ payment_intent: intent.id, amount: 6000 }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.param).toBe('amount');
    await world.stripe.refunds.create({ payment_intent: intent.id });
    const again = (await world.stripe.refunds.create({ payment_intent: intent.id }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(again.code).toBe('charge_already_refunded');
  });

  it('retrieves and lists refunds by charge', async () => {
    const intent = await paid();
    const refund = await world.stripe.refunds.create({ payment_intent: intent.id, amount: 100, metadata: { why: 'test' } });
    expect((await world.stripe.refunds.retrieve(refund.id)).metadata).toEqual({ why: 'test' });
    expect((await world.stripe.refunds.list({ charge: String(intent.latest_charge) })).data.map((r) => r.id)).toEqual([refund.id]);
  });
});

describe('disputes', () => {
  async function disputed(method = 'pm_card_createDispute'): Promise<Stripe.Dispute> {
    const intent = await paid(method);
    const [dispute] = (await world.stripe.disputes.list({ payment_intent: intent.id })).data;
    if (!dispute) throw new Error('no dispute');
    return dispute;
  }

  it('pm_card_createDispute succeeds and then opens a fraudulent dispute on the charge', async () => {
    const dispute = await disputed();
    expect(dispute.id).toMatch(/^dp_/);
    expect(dispute).toMatchObject({ status: 'needs_response', reason: 'fraudulent', amount: 5000 });
    const charge = await world.stripe.charges.retrieve(String(dispute.charge));
    expect(charge.disputed).toBe(true);
    expect((await world.stripe.events.list({ type: 'charge.dispute.created' })).data).toHaveLength(1);
  });

  it('winning evidence closes the dispute won; losing evidence closes it lost', async () => {
    const a = await disputed();
    const won = await world.stripe.disputes.update(a.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    expect(won.status).toBe('won');
    const b = await disputed('pm_card_createDisputeProductNotReceived');
    expect(b.reason).toBe('product_not_received');
    const lost = await world.stripe.disputes.update(b.id, { evidence: { uncategorized_text: 'losing_evidence' } });
    expect(lost.status).toBe('lost');
    const types = (await world.stripe.events.list({ type: 'charge.dispute.*' })).data.map((e) => e.type);
    expect(types.filter((t) => t === 'charge.dispute.closed')).toHaveLength(2);
    expect(types).toContain('charge.dispute.updated');
  });

  it('other evidence moves the dispute under review; the control endpoint then resolves it', async () => {
    const dispute = await disputed();
    const updated = await world.stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Ada' } });
    expect(updated.status).toBe('under_review');
    expect(updated.evidence.customer_name).toBe('Ada');
    const response = await postJson(`${world.emulator.url}/_emulator/disputes/${dispute.id}/resolve`, { outcome: 'won' });
    expect(response.status).toBe(200);
    expect((await world.stripe.disputes.retrieve(dispute.id)).status).toBe('won');
  });

  it('closing a dispute accepts it as lost', async () => {
    const dispute = await disputed();
    expect((await world.stripe.disputes.close(dispute.id)).status).toBe('lost');
    const [closed] = (await world.stripe.events.list({ type: 'charge.dispute.closed' })).data;
    expect((closed?.data.object as Stripe.Dispute).status).toBe('lost');
  });

  it('an inquiry opens as warning_needs_response', async () => {
    const dispute = await disputed('pm_card_createDisputeInquiry');
    expect(dispute.status).toBe('warning_needs_response');
  });
});

describe('refunds that change later', () => {
  it('the pending-refund card starts its refund pending, then succeeds when the clock moves', async () => {
    const intent = await paid('pm_card_pendingRefund');
    const refund = await world.stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('pending');
    expect((await world.stripe.charges.retrieve(String(intent.latest_charge))).amount_refunded).toBe(5000);
    world.emulator.advanceClock(60);
    expect((await world.stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    const [updated] = (await world.stripe.events.list({ type: 'charge.refund.updated' })).data;
    expect((updated?.data.object as Stripe.Refund).status).toBe('succeeded');
  });

  it('the refund-fail card refunds, then the refund fails and the money is no longer refunded', async () => {
    const intent = await paid('pm_card_refundFail');
    const refund = await world.stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('succeeded');
    world.emulator.advanceClock(60);
    const failed = await world.stripe.refunds.retrieve(refund.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toBe('expired_or_canceled_card');
    const charge = await world.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.amount_refunded).toBe(0);
    expect(charge.refunded).toBe(false);
    expect((await world.stripe.events.list({ type: 'refund.failed' })).data).toHaveLength(1);
  });
});
