import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { OrderTerms } from '../../../src/domain/order.js';
import { computeOrderRef } from '../../../src/domain/order-ref.js';
import { decideOrder } from '../../../src/domain/order-reducer.js';
import type { FactMapping } from '../../../src/stripe/event-facts.js';
import { eventToFacts, HANDLED_EVENT_TYPES, revalidationRule, stampFacts, type EventObject } from '../../../src/stripe/event-facts.js';

type Json = Record<string, unknown>;
const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/stripe/fixtures3.json', import.meta.url), 'utf8')) as { resources: Record<string, Json> };
const resource = (name: string): Json => structuredClone(fixtures.resources[name] ?? {});

const CREATED = 1_700_000_000;
const ORDER_REF = computeOrderRef('a-long-order-ref-secret-of-32-chars!!', 'ord_1', { amount: 2999, currency: 'usd' });
const metadata = { order_id: 'ord_1', order_ref: ORDER_REF };

let eventCounter = 0;
function event(type: string, object: Json, created = CREATED): Stripe.Event {
  eventCounter += 1;
  // Fixtures are plain JSON; the SDK types describe exactly that shape.
  return { ...resource('event'), id: `evt_${eventCounter}`, type, created, data: { object } } as unknown as Stripe.Event;
}
const session = (overrides: Json = {}): Json => ({
  ...resource('checkout.session'), id: 'cs_1', mode: 'payment', status: 'complete', payment_status: 'paid',
  amount_total: 2999, currency: 'usd', metadata, payment_intent: 'pi_1', ...overrides,
});
const intent = (overrides: Json = {}): Json => ({ ...resource('payment_intent'), id: 'pi_1', amount: 2999, currency: 'usd', status: 'succeeded', metadata, latest_charge: 'ch_1', ...overrides });
const charge = (overrides: Json = {}): Json => ({ ...resource('charge'), id: 'ch_1', amount: 2999, currency: 'usd', payment_intent: 'pi_1', ...overrides });
const dispute = (overrides: Json = {}): Json => ({ ...resource('dispute'), id: 'dp_1', charge: 'ch_1', payment_intent: 'pi_1', ...overrides });

function mapped(mapping: FactMapping) {
  if (mapping.kind !== 'facts') throw new Error(`expected facts, got ignored: ${mapping.reason}`);
  return mapping;
}

describe('eventToFacts', () => {
  it('reads a paid checkout session as a payment success with its evidence and hints', () => {
    const result = mapped(eventToFacts(event('checkout.session.completed', session())));
    expect(result.hints).toEqual({ orderId: 'ord_1', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', chargeId: null });
    expect(result.facts).toEqual([
      { kind: 'payment_succeeded', key: 'paid:cs_1', at: CREATED * 1000, amount: 2999, currency: 'usd', orderRef: ORDER_REF, checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1' },
    ]);
  });

  it('falls back to client_reference_id and reads an expanded payment intent', () => {
    const result = mapped(eventToFacts(event('checkout.session.completed', session({ metadata: {}, client_reference_id: 'ord_7', payment_intent: intent({ id: 'pi_9' }) }))));
    expect(result.hints.orderId).toBe('ord_7');
    expect(result.hints.paymentIntentId).toBe('pi_9');
  });

  it('reads an unpaid completed session (delayed method) as payment processing', () => {
    const result = mapped(eventToFacts(event('checkout.session.completed', session({ payment_status: 'unpaid' }))));
    expect(result.facts).toMatchObject([{ kind: 'payment_processing', key: 'processing:cs_1', amount: 2999 }]);
  });

  it('reads a free session as a zero-amount success that validation parks for review', () => {
    const result = mapped(eventToFacts(event('checkout.session.completed', session({ payment_status: 'no_payment_required', amount_total: 0 }))));
    expect(result.facts).toMatchObject([{ kind: 'payment_succeeded', amount: 0 }]);
    expect(decideOrder(terms(), stampFacts(result.facts, 'ord_1'))).toMatchObject({ status: 'needs_review', fulfill: false });
  });

  it('reads async payment success and failure of a session', () => {
    expect(mapped(eventToFacts(event('checkout.session.async_payment_succeeded', session()))).facts).toMatchObject([{ kind: 'payment_succeeded', key: 'paid:cs_1' }]);
    expect(mapped(eventToFacts(event('checkout.session.async_payment_failed', session({ payment_status: 'unpaid' })))).facts).toEqual([
      { kind: 'payment_failed', key: 'failed:cs_1', at: CREATED * 1000, reason: 'the delayed payment failed', paymentIntentId: 'pi_1' },
    ]);
  });

  it('reads an expired session', () => {
    const result = mapped(eventToFacts(event('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', payment_intent: null }))));
    expect(result.facts).toEqual([{ kind: 'session_expired', key: 'expired:cs_1', at: CREATED * 1000, checkoutSessionId: 'cs_1' }]);
    expect(result.hints.paymentIntentId).toBeNull();
  });

  it('ignores sessions that are not in payment mode', () => {
    expect(eventToFacts(event('checkout.session.completed', session({ mode: 'subscription' })))).toMatchObject({ kind: 'ignored' });
  });

  it('reads a succeeded payment intent with the same key whichever event delivered it', () => {
    const first = mapped(eventToFacts(event('payment_intent.succeeded', intent())));
    const again = mapped(eventToFacts(event('payment_intent.succeeded', intent())));
    expect(first.facts).toEqual([
      { kind: 'payment_succeeded', key: 'paid:pi_1', at: CREATED * 1000, amount: 2999, currency: 'usd', orderRef: ORDER_REF, checkoutSessionId: null, paymentIntentId: 'pi_1' },
    ]);
    expect(again.facts).toEqual(first.facts);
    expect(first.hints).toEqual({ orderId: 'ord_1', checkoutSessionId: null, paymentIntentId: 'pi_1', chargeId: 'ch_1' });
  });

  it('reads a declined payment intent with the decline reason, one fact per failed charge', () => {
    const declined = (chargeId: string) =>
      mapped(eventToFacts(event('payment_intent.payment_failed', intent({ status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', charge: chargeId } }))));
    expect(declined('ch_a').facts).toEqual([{ kind: 'payment_failed', key: 'failed:pi_1:ch_a', at: CREATED * 1000, reason: 'card_declined: insufficient_funds', paymentIntentId: 'pi_1' }]);
    expect(declined('ch_b').facts[0]?.key).toBe('failed:pi_1:ch_b');
  });

  it('reads a canceled payment intent', () => {
    expect(mapped(eventToFacts(event('payment_intent.canceled', intent({ status: 'canceled' })))).facts).toEqual([
      { kind: 'payment_canceled', key: 'canceled:pi_1', at: CREATED * 1000, paymentIntentId: 'pi_1' },
    ]);
  });

  it("reads a refunded charge as the charge's cumulative refund, with payment intent and charge hints", () => {
    const result = mapped(eventToFacts(event('charge.refunded', charge({ amount_refunded: 500, refunded: false }))));
    expect(result.facts).toEqual([{ kind: 'refunded_to_date', key: 'refunded:ch_1:500', at: CREATED * 1000, chargeId: 'ch_1', amountRefunded: 500, currency: 'usd' }]);
    expect(result.hints).toEqual({ orderId: null, checkoutSessionId: null, paymentIntentId: 'pi_1', chargeId: 'ch_1' });
  });

  it('reads an opened dispute with charge and payment intent hints', () => {
    const result = mapped(eventToFacts(event('charge.dispute.created', dispute({ status: 'needs_response' }))));
    expect(result.facts).toEqual([{ kind: 'dispute_opened', key: 'dispute_opened:dp_1', at: CREATED * 1000, disputeId: 'dp_1' }]);
    expect(result.hints).toEqual({ orderId: null, checkoutSessionId: null, paymentIntentId: 'pi_1', chargeId: 'ch_1' });
  });

  for (const outcome of ['won', 'lost', 'warning_closed'] as const) {
    it(`reads a dispute closed as ${outcome}`, () => {
      expect(mapped(eventToFacts(event('charge.dispute.closed', dispute({ status: outcome })))).facts).toEqual([
        { kind: 'dispute_closed', key: 'dispute_closed:dp_1', at: CREATED * 1000, disputeId: 'dp_1', outcome },
      ]);
    });
  }

  it('ignores a dispute closed with a status that is not an outcome', () => {
    expect(eventToFacts(event('charge.dispute.closed', dispute({ status: 'under_review' })))).toMatchObject({ kind: 'ignored' });
  });

  it('ignores event types settled does not act on, saying which', () => {
    const plan = fixtures.resources.event as unknown as Stripe.Event;
    expect(eventToFacts(plan)).toEqual({ kind: 'ignored', reason: 'settled does not act on plan.created events' });
  });
});

function terms(): OrderTerms {
  return {
    id: 'ord_1', lines: [], total: { amount: 2999, currency: 'usd' }, orderRef: ORDER_REF, email: null,
    flow: 'checkout_session', checkoutSessionId: 'cs_1', paymentIntentId: 'pi_1', createdAt: 0,
  };
}

describe('stampFacts', () => {
  it('gives every draft the resolved order id', () => {
    const drafts = mapped(eventToFacts(event('charge.refunded', charge({ amount_refunded: 2999 })))).facts;
    expect(stampFacts(drafts, 'ord_1')).toEqual([{ ...drafts[0], orderId: 'ord_1' }]);
  });

  it('maps a real checkout flow to facts that settle the order paid', () => {
    const facts = [
      event('checkout.session.completed', session()),
      event('payment_intent.succeeded', intent(), CREATED + 1),
      event('charge.refunded', charge({ amount_refunded: 2999, refunded: true }), CREATED + 60),
    ].flatMap((e) => stampFacts(mapped(eventToFacts(e)).facts, 'ord_1'));
    expect(decideOrder(terms(), facts)).toEqual({ status: 'refunded', amountRefunded: 2999, paidAt: CREATED * 1000, reviewReason: null, fulfill: true, entitlement: 'revoked' });
  });
});

describe('revalidation rules', () => {
  it('every handled event type names the object it is about, and an object of another kind never backs it', () => {
    const kinds = ['checkout.session', 'payment_intent', 'charge', 'dispute'] as const;
    for (const type of HANDLED_EVENT_TYPES) {
      const rule = revalidationRule(type);
      expect(type.startsWith(rule.reads === 'checkout.session' ? 'checkout.session.' : rule.reads === 'dispute' ? 'charge.dispute.' : `${rule.reads}.`), type).toBe(true);
      for (const other of kinds.filter((kind) => kind !== rule.reads)) {
        const fresh = { object: other, id: 'x_1', status: 'complete', payment_status: 'paid', amount_refunded: 1, last_payment_error: null } as unknown as EventObject;
        expect(rule.stillTrue(fresh), `${type} backed by a ${other}`).toBe(false);
      }
    }
  });
});
