import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';

// Random sequences of calls on one payment: whatever the order, every answer conforms (checked after
// the test like any other), nothing answers 5xx, and the charge's refund totals stay consistent.

const client = useConformanceClient();

const CARDS = ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_card_authenticationRequired', 'pm_card_createDispute'];

type Step =
  | { kind: 'confirm'; card: string }
  | { kind: 'refund'; amount: number }
  | { kind: 'cancel' }
  | { kind: 'update'; note: string }
  | { kind: 'expire_session' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('confirm' as const), card: fc.constantFrom(...CARDS) }),
  fc.record({ kind: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 2500 }) }),
  fc.record({ kind: fc.constant('cancel' as const) }),
  fc.record({ kind: fc.constant('update' as const), note: fc.string({ maxLength: 20 }) }),
  fc.record({ kind: fc.constant('expire_session' as const) }),
);

async function run(steps: Step[]): Promise<void> {
  const { raw } = client();
  const created = await raw('post', '/v1/payment_intents', { amount: 2000, currency: 'usd' });
  const intentId = (created.body as { id: string }).id;
  for (const s of steps) {
    const answer =
      s.kind === 'confirm' ? await raw('post', `/v1/payment_intents/${intentId}/confirm`, { payment_method: s.card })
      : s.kind === 'refund' ? await raw('post', '/v1/refunds', { payment_intent: intentId, amount: s.amount })
      : s.kind === 'cancel' ? await raw('post', `/v1/payment_intents/${intentId}/cancel`)
      : s.kind === 'update' ? await raw('post', `/v1/payment_intents/${intentId}`, { metadata: { note: s.note } })
      : await raw('post', '/v1/checkout/sessions/cs_test_unknown/expire');
    expect(answer.status).toBeLessThan(500);
  }
  const intent = (await raw('get', `/v1/payment_intents/${intentId}`)).body as { latest_charge: string | null; amount_received: number; status: string };
  if (intent.latest_charge === null) return;
  const charge = (await raw('get', `/v1/charges/${intent.latest_charge}`)).body as { amount: number; amount_refunded: number; refunded: boolean; status: string };
  const refunds = (await raw('get', '/v1/refunds', { charge: intent.latest_charge, limit: 100 })).body as { data: { amount: number; status: string }[] };
  const refunded = refunds.data.filter((r) => r.status !== 'failed' && r.status !== 'canceled').reduce((sum, r) => sum + r.amount, 0);
  expect(charge.amount_refunded).toBe(refunded);
  expect(charge.amount_refunded).toBeLessThanOrEqual(charge.amount);
  expect(charge.refunded).toBe(charge.amount_refunded === charge.amount);
  if (intent.status === 'succeeded') expect(intent.amount_received).toBe(2000);
}

describe('random call sequences on a payment', () => {
  it('always answer conforming bodies and keep refund totals consistent', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), run), { numRuns: 15 });
  });
});
