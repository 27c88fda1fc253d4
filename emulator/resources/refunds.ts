import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, missingParam, resourceMissing, StripeApiError } from '../errors.js';
import { mergeMetadata, optionalInteger, optionalString, rejectUnknown } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { newId } from '../ids.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import { AUTOMATIC, type Cause, type World } from '../world.js';
import { findCharge } from './charges.js';
import { findIntent } from './payment-intents.js';

const CREATE_SHAPE = { charge: true, payment_intent: true, amount: true, reason: true, metadata: 'any', instructions_email: true, refund_application_fee: true, reverse_transfer: true } as const;
const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

function money(amount: number, currency: string): string {
  return `${currency === 'usd' ? '$' : ''}${(amount / 100).toFixed(2)}${currency === 'usd' ? '' : ` ${currency}`}`;
}

function chargeToRefund(world: World, chargeRef: string | undefined, intentRef: string | undefined): Stripe.Charge {
  if (chargeRef) return findCharge(world, chargeRef, 'charge');
  if (!intentRef) throw missingParam('charge');
  const intent = findIntent(world, intentRef);
  const latest = typeof intent.latest_charge === 'string' ? world.state.charges.get(intent.latest_charge) : undefined;
  if (!latest || latest.status !== 'succeeded') {
    throw invalidRequest(`This PaymentIntent does not have a successful charge to refund.`, 'payment_intent');
  }
  return latest;
}

export function refundCharge(world: World, charge: Stripe.Charge, requested: number | undefined, reason: string | null, metadata: Record<string, string>, cause: Cause): Stripe.Refund {
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge');
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw new StripeApiError(400, { type: 'invalid_request_error', code: 'charge_already_refunded', message: `Charge ${charge.id} has already been refunded.` });
  }
  const amount = requested ?? remaining;
  if (amount < 1) throw invalidRequest('Invalid positive integer', 'amount');
  if (amount > remaining) {
    throw invalidRequest(`Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`, 'amount');
  }
  const method = charge.payment_method ? world.state.methodBehaviour.get(charge.payment_method) : undefined;
  const behaviour = method?.type === 'card' ? method.card.refundBehaviour : undefined;
  const refund: Stripe.Refund = {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: newId('txn'),
    charge: charge.id,
    created: world.now(),
    currency: charge.currency,
    customer: typeof charge.customer === 'string' ? charge.customer : null,
    customer_account: null,
    destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' } as Stripe.Refund.DestinationDetails,
    metadata,
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    payment_method: charge.payment_method,
    reason: reason as Stripe.Refund.Reason | null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: behaviour === 'pending_then_succeeded' ? 'pending' : 'succeeded',
    transfer_reversal: null,
  };
  world.state.refunds.put(refund);
  if (behaviour) world.clock.after(world.config.asyncSettleSeconds * 1000, () => settleRefund(world, refund.id, behaviour));
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded, refunds: structuredClone(charge.refunds) };
  // amount_refunded is cumulative; refunded only flips once nothing is left.
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  if (charge.refunds) {
    charge.refunds.data = world.state.refunds.newestFirst().filter((r) => r.charge === charge.id);
  }
  world.emit('refund.created', refund, cause);
  world.emit('charge.refunded', charge, cause, previous);
  return refund;
}

/** The test cards whose refunds change later: pending → succeeded, or succeeded → failed (money back to the merchant). */
function settleRefund(world: World, refundId: string, behaviour: 'pending_then_succeeded' | 'succeeded_then_failed'): void {
  const refund = world.state.refunds.get(refundId);
  if (!refund) return;
  const previous = { status: refund.status };
  if (behaviour === 'pending_then_succeeded') {
    if (refund.status !== 'pending') return;
    refund.status = 'succeeded';
  } else {
    if (refund.status !== 'succeeded') return;
    refund.status = 'failed';
    refund.failure_reason = 'expired_or_canceled_card';
    const charge = typeof refund.charge === 'string' ? world.state.charges.get(refund.charge) : undefined;
    if (charge) {
      charge.amount_refunded -= refund.amount;
      charge.refunded = false;
    }
  }
  world.emit('refund.updated', refund, AUTOMATIC, previous);
  if (refund.status === 'failed') world.emit('refund.failed', refund, AUTOMATIC);
  world.emit('charge.refund.updated', refund, AUTOMATIC, previous);
}

export function registerRefunds(app: FastifyInstance, world: World): void {
  app.post('/v1/refunds', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, CREATE_SHAPE);
    const reason = optionalString(params, 'reason') ?? null;
    if (reason && !REASONS.includes(reason)) throw invalidRequest(`Invalid reason: must be one of ${REASONS.join(', ')}`, 'reason');
    const charge = chargeToRefund(world, optionalString(params, 'charge'), optionalString(params, 'payment_intent'));
    const refund = refundCharge(world, charge, optionalInteger(params, 'amount'), reason, mergeMetadata({}, params), causeOf(request));
    return world.expand(refund, params);
  });

  app.get('/v1/refunds/:id', async (request) => {
    const id = idOf(request);
    const refund = world.state.refunds.get(id);
    if (!refund) throw resourceMissing('refund', id);
    return world.expand(refund, retrieveParamsOf(request));
  });

  app.post('/v1/refunds/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { metadata: 'any' });
    const id = idOf(request);
    const refund = world.state.refunds.get(id);
    if (!refund) throw resourceMissing('refund', id);
    const previous = { metadata: refund.metadata };
    refund.metadata = mergeMetadata(refund.metadata ?? {}, params);
    world.emit('refund.updated', refund, causeOf(request), previous);
    return refund;
  });

  app.get('/v1/refunds', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, charge: true, payment_intent: true });
    const charge = optionalString(params, 'charge');
    const intent = optionalString(params, 'payment_intent');
    const created = createdFilter(params);
    const rows = world.state.refunds.newestFirst().filter((r) => (!charge || r.charge === charge) && (!intent || r.payment_intent === intent) && created(r.created));
    return world.expand(paginate(rows, params, '/v1/refunds'), params);
  });
}
