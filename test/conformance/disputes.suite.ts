import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

const client = useConformanceClient();

async function disputedPayment(paymentMethod = 'pm_card_createDispute'): Promise<{ intent: Stripe.PaymentIntent; dispute: Stripe.Dispute }> {
  const intent = await client().stripe.paymentIntents.create({
    amount: 8000,
    currency: 'usd',
    payment_method: paymentMethod,
    confirm: true,
  });
  const disputes = await client().stripe.disputes.list({ payment_intent: intent.id });
  const dispute = disputes.data[0];
  if (dispute === undefined) throw new Error(`no dispute opened for ${intent.id}`);
  return { intent, dispute };
}

describe('disputes', () => {
  it('opens a fraudulent dispute for the dispute test card and marks the charge disputed', async () => {
    const { intent, dispute } = await disputedPayment();
    expect(dispute).toMatchObject({
      object: 'dispute',
      amount: 8000,
      currency: 'usd',
      reason: 'fraudulent',
      status: 'needs_response',
      charge: intent.latest_charge,
      payment_intent: intent.id,
    });
    expect(dispute.id).toMatch(/^dp_/);
    const charge = await client().stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge.disputed).toBe(true);
    expect(await client().stripe.disputes.retrieve(dispute.id)).toMatchObject({ id: dispute.id, status: 'needs_response' });
  });

  it('opens an inquiry as a warning for the inquiry test card', async () => {
    const { dispute } = await disputedPayment('pm_card_createDisputeInquiry');
    expect(dispute.status).toBe('warning_needs_response');
  });

  it('wins a dispute when winning evidence is submitted', async () => {
    const { dispute } = await disputedPayment();
    const updated = await client().stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
      metadata: { case: '7' },
      submit: true,
    });
    expect(updated.metadata).toEqual({ case: '7' });
    expect(updated.evidence.uncategorized_text).toBe('winning_evidence');
    expect(['under_review', 'won']).toContain(updated.status);
    const settled = await client().stripe.disputes.retrieve(dispute.id);
    expect(settled.status).toBe('won');
  });

  it('closes a dispute as lost', async () => {
    const { dispute } = await disputedPayment('pm_card_createDisputeProductNotReceived');
    expect(dispute.reason).toBe('product_not_received');
    const closed = await client().stripe.disputes.close(dispute.id);
    expect(closed.status).toBe('lost');
    const listed = await client().stripe.disputes.list({ limit: 100 });
    expect(listed.data.find((d) => d.id === dispute.id)?.status).toBe('lost');
  });

  it('answers 404 for an unknown dispute', async () => {
    await expect(client().stripe.disputes.retrieve('dp_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
