import type Stripe from 'stripe';
import { resourceMissing, type StripeErrorFields } from './errors.js';
import { newId } from './ids.js';
import { findCardByNumber, findCardByToken, findIban, type DisputeReason, type TestMethod } from './test-cards.js';
import type { Cause, World } from './world.js';

// The payment engine shared by the PaymentIntents API and the hosted checkout page.

export type AttemptResult =
  | { kind: 'succeeded'; charge: Stripe.Charge }
  | { kind: 'processing' }
  | { kind: 'requires_action' }
  | { kind: 'declined'; error: StripeErrorFields };

export function createPaymentMethod(world: World, method: TestMethod, billingEmail: string | null = null): Stripe.PaymentMethod {
  const id = newId('pm');
  const base = {
    id,
    object: 'payment_method' as const,
    allow_redisplay: 'unspecified' as const,
    billing_details: { address: null, email: billingEmail, name: null, phone: null, tax_id: null },
    created: world.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
  };
  const paymentMethod: Stripe.PaymentMethod =
    method.type === 'card'
      ? {
          ...base,
          type: 'card',
          card: {
            brand: method.card.brand,
            checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
            country: 'US',
            display_brand: method.card.brand,
            exp_month: 12,
            exp_year: new Date(world.clock.nowMs()).getUTCFullYear() + 3,
            fingerprint: fingerprint(method.card.number),
            funding: 'credit',
            generated_from: null,
            last4: method.card.number.slice(-4),
            networks: { available: [method.card.brand], preferred: null },
            regulated_status: 'unregulated',
            three_d_secure_usage: { supported: true },
            wallet: null,
          },
        }
      : {
          ...base,
          type: 'sepa_debit',
          sepa_debit: {
            bank_code: method.iban.iban.slice(4, 12),
            branch_code: '',
            country: method.iban.iban.slice(0, 2),
            fingerprint: fingerprint(method.iban.iban),
            generated_from: { charge: null, setup_attempt: null },
            last4: method.iban.iban.slice(-4),
          },
        };
  world.state.paymentMethods.put(paymentMethod);
  world.state.methodBehaviour.set(id, method);
  return paymentMethod;
}

/** `pm_card_visa` and friends make a fresh payment method, as Stripe does; an existing `pm_…` id is reused. */
export function resolvePaymentMethod(world: World, idOrToken: string, param = 'payment_method'): Stripe.PaymentMethod {
  const existing = world.state.paymentMethods.get(idOrToken);
  if (existing) return existing;
  const card = findCardByToken(idOrToken);
  if (card) return createPaymentMethod(world, { type: 'card', card });
  throw resourceMissing('PaymentMethod', idOrToken, param);
}

/** A method typed on the hosted page: a test card number or a test IBAN. */
export function methodFromInput(input: string): TestMethod | undefined {
  const card = findCardByNumber(input);
  if (card) return { type: 'card', card };
  const iban = findIban(input);
  if (iban) return { type: 'sepa_debit', iban };
  return undefined;
}

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  description: string | null;
  customer: string | null;
  receiptEmail: string | null;
  paymentMethodTypes: string[];
  paymentMethod: string | null;
  paymentMethodOptions?: Record<string, Record<string, unknown>>;
  automaticPaymentMethods?: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
}

export function createPaymentIntent(world: World, input: NewPaymentIntent, cause: Cause): Stripe.PaymentIntent {
  const id = newId('pi');
  const intent: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: input.automaticPaymentMethods ?? null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${newId('s').slice(2)}`,
    confirmation_method: 'automatic',
    created: world.now(),
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: (input.paymentMethodOptions ?? {}) as Stripe.PaymentIntent.PaymentMethodOptions,
    payment_method_types: input.paymentMethodTypes,
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
  world.state.paymentIntents.put(intent);
  world.rememberVersion(intent.id, cause);
  world.emit('payment_intent.created', intent, cause);
  return intent;
}

/** Confirms `intent` with `paymentMethod`: charges it, asks for 3D Secure, or starts a delayed debit. */
export function attemptPayment(world: World, intent: Stripe.PaymentIntent, paymentMethod: Stripe.PaymentMethod, cause: Cause, returnUrl: string | null): AttemptResult {
  const method = world.state.methodBehaviour.get(paymentMethod.id);
  intent.payment_method = paymentMethod.id;
  intent.last_payment_error = null;
  if (!method) throw resourceMissing('PaymentMethod', paymentMethod.id, 'payment_method');
  if (method.type === 'sepa_debit') return startDelayedDebit(world, intent, paymentMethod, method, cause);
  if (method.card.authenticate) {
    intent.status = 'requires_action';
    const url = `${world.baseUrl}/3ds/${intent.id}${returnUrl ? `?return_url=${encodeURIComponent(returnUrl)}` : ''}`;
    intent.next_action = { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } };
    world.emit('payment_intent.requires_action', intent, cause);
    return { kind: 'requires_action' };
  }
  return charge(world, intent, paymentMethod, method, cause);
}

/** The buyer approved or failed 3D Secure for an intent in `requires_action`. */
export function finishAuthentication(world: World, intent: Stripe.PaymentIntent, approved: boolean, cause: Cause): AttemptResult {
  intent.next_action = null;
  const paymentMethod = typeof intent.payment_method === 'string' ? world.state.paymentMethods.get(intent.payment_method) : undefined;
  const method = paymentMethod ? world.state.methodBehaviour.get(paymentMethod.id) : undefined;
  if (approved && paymentMethod && method) return charge(world, intent, paymentMethod, method, cause);
  const error: StripeErrorFields = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    ...(paymentMethod ? { payment_method: structuredClone(paymentMethod) } : {}),
  };
  intent.status = 'requires_payment_method';
  intent.last_payment_error = error as unknown as Stripe.PaymentIntent.LastPaymentError;
  world.emit('payment_intent.payment_failed', intent, cause);
  return { kind: 'declined', error };
}

function charge(world: World, intent: Stripe.PaymentIntent, paymentMethod: Stripe.PaymentMethod, method: TestMethod, cause: Cause): AttemptResult {
  const outcome = method.type === 'card' ? method.card.outcome : { kind: 'succeed' as const };
  if (outcome.kind === 'decline') {
    const failed = buildCharge(world, intent, paymentMethod, 'failed', { code: outcome.code, declineCode: outcome.declineCode, message: outcome.message });
    const error: StripeErrorFields = {
      type: 'card_error',
      code: outcome.code,
      ...(outcome.declineCode ? { decline_code: outcome.declineCode } : {}),
      message: outcome.message,
      charge: failed.id,
      payment_method: structuredClone(paymentMethod),
    };
    intent.status = 'requires_payment_method';
    intent.latest_charge = failed.id;
    intent.last_payment_error = error as unknown as Stripe.PaymentIntent.LastPaymentError;
    world.emit('charge.failed', failed, cause);
    world.emit('payment_intent.payment_failed', intent, cause);
    return { kind: 'declined', error };
  }
  const succeeded = buildCharge(world, intent, paymentMethod, 'succeeded', null);
  markIntentSucceeded(intent, succeeded);
  world.emit('charge.succeeded', succeeded, cause);
  world.emit('payment_intent.succeeded', intent, cause);
  if (outcome.kind === 'dispute') openDispute(world, succeeded, outcome.reason, outcome.inquiry);
  return { kind: 'succeeded', charge: succeeded };
}

function markIntentSucceeded(intent: Stripe.PaymentIntent, charged: Stripe.Charge): void {
  intent.status = 'succeeded';
  intent.amount_received = intent.amount;
  intent.latest_charge = charged.id;
  intent.processing = null;
  intent.next_action = null;
  intent.last_payment_error = null;
}

function startDelayedDebit(world: World, intent: Stripe.PaymentIntent, paymentMethod: Stripe.PaymentMethod, method: Extract<TestMethod, { type: 'sepa_debit' }>, cause: Cause): AttemptResult {
  const pending = buildCharge(world, intent, paymentMethod, 'pending', null);
  intent.status = 'processing';
  intent.latest_charge = pending.id;
  world.emit('charge.pending', pending, cause);
  world.emit('payment_intent.processing', intent, cause);
  world.clock.after(world.config.asyncSettleSeconds * 1000, () => settleDelayedDebit(world, intent.id, method.iban.outcome));
  return { kind: 'processing' };
}

function settleDelayedDebit(world: World, intentId: string, outcome: 'succeed' | 'fail'): void {
  const intent = world.state.paymentIntents.get(intentId);
  if (!intent || intent.status !== 'processing' || typeof intent.latest_charge !== 'string') return;
  const pending = world.state.charges.get(intent.latest_charge);
  if (!pending) return;
  const cause = world.automaticFor(intent.id);
  if (outcome === 'succeed') {
    pending.status = 'succeeded';
    pending.paid = true;
    pending.captured = true;
    pending.amount_captured = pending.amount;
    pending.outcome = approvedOutcome();
    markIntentSucceeded(intent, pending);
    world.emit('charge.succeeded', pending, cause);
    world.emit('payment_intent.succeeded', intent, cause);
  } else {
    const message = 'The customer\'s bank account could not be debited.';
    pending.status = 'failed';
    pending.failure_code = 'insufficient_funds';
    pending.failure_message = message;
    pending.outcome = declinedOutcome('insufficient_funds');
    intent.status = 'requires_payment_method';
    intent.processing = null;
    intent.last_payment_error = { type: 'card_error', code: 'insufficient_funds', message } as Stripe.PaymentIntent.LastPaymentError;
    world.emit('charge.failed', pending, cause);
    world.emit('payment_intent.payment_failed', intent, cause);
  }
  for (const listener of world.asyncSettledListeners) listener(intent, outcome === 'succeed', cause);
}

export function openDispute(world: World, charged: Stripe.Charge, reason: DisputeReason, inquiry: boolean): Stripe.Dispute {
  const brand = charged.payment_method_details?.card?.brand ?? 'visa';
  const dispute: Stripe.Dispute = {
    id: newId('dp'),
    object: 'dispute',
    amount: charged.amount,
    balance_transactions: [],
    charge: charged.id,
    created: world.now(),
    currency: charged.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: { due_by: world.now() + 7 * 86400, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: typeof charged.payment_intent === 'string' ? charged.payment_intent : null,
    payment_method_details: { card: { brand, case_type: inquiry ? 'inquiry' : 'chargeback', network: brand, network_reason_code: inquiry ? null : '10.4' }, type: 'card' },
    reason,
    status: inquiry ? 'warning_needs_response' : 'needs_response',
  };
  world.state.disputes.put(dispute);
  charged.disputed = true;
  world.emit('charge.dispute.created', dispute, world.automaticFor(dispute.payment_intent as string | null));
  return dispute;
}

function emptyEvidence(): Stripe.Dispute.Evidence {
  return {
    access_activity_log: null, billing_address: null, cancellation_policy: null, cancellation_policy_disclosure: null,
    cancellation_rebuttal: null, customer_communication: null, customer_email_address: null, customer_name: null,
    customer_purchase_ip: null, customer_signature: null, duplicate_charge_documentation: null,
    duplicate_charge_explanation: null, duplicate_charge_id: null, enhanced_evidence: {}, product_description: null,
    receipt: null, refund_policy: null, refund_policy_disclosure: null, refund_refusal_explanation: null,
    service_date: null, service_documentation: null, shipping_address: null, shipping_carrier: null,
    shipping_date: null, shipping_documentation: null, shipping_tracking_number: null, uncategorized_file: null,
    uncategorized_text: null,
  };
}

function approvedOutcome(): Stripe.Charge.Outcome {
  return {
    advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network',
    reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized',
  };
}

function declinedOutcome(declineCode: string): Stripe.Charge.Outcome {
  return {
    advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'declined_by_network',
    reason: declineCode, risk_level: 'normal', risk_score: 32,
    seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined',
  };
}

function buildCharge(
  world: World,
  intent: Stripe.PaymentIntent,
  paymentMethod: Stripe.PaymentMethod,
  status: Stripe.Charge.Status,
  failure: { code: string; declineCode: string | null; message: string } | null,
): Stripe.Charge {
  const id = newId('ch');
  const succeeded = status === 'succeeded';
  const charged: Stripe.Charge = {
    id,
    object: 'charge',
    amount: intent.amount,
    amount_captured: succeeded ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? newId('txn') : null,
    billing_details: { address: null, email: paymentMethod.billing_details.email, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'SETTLED EMULATOR',
    captured: succeeded,
    created: world.now(),
    currency: intent.currency,
    customer: typeof intent.customer === 'string' ? intent.customer : null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: failure ? declinedOutcome(failure.declineCode ?? failure.code) : status === 'pending' ? null : approvedOutcome(),
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: paymentMethod.id,
    payment_method_details: methodDetails(paymentMethod, intent.amount),
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
  world.state.charges.put(charged);
  return charged;
}

function methodDetails(paymentMethod: Stripe.PaymentMethod, amount: number): Stripe.Charge.PaymentMethodDetails {
  if (paymentMethod.type === 'sepa_debit' && paymentMethod.sepa_debit) {
    const sepa = paymentMethod.sepa_debit;
    return {
      type: 'sepa_debit',
      sepa_debit: { bank_code: sepa.bank_code, branch_code: sepa.branch_code, country: sepa.country, fingerprint: sepa.fingerprint, last4: sepa.last4, mandate: null, transaction_id: null },
    } as unknown as Stripe.Charge.PaymentMethodDetails;
  }
  const card = paymentMethod.card;
  return {
    type: 'card',
    card: {
      amount_authorized: amount,
      authorization_code: null,
      brand: card?.brand ?? 'visa',
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      exp_month: card?.exp_month ?? 12,
      exp_year: card?.exp_year ?? 2030,
      extended_authorization: { status: 'disabled' },
      fingerprint: card?.fingerprint ?? null,
      funding: 'credit',
      incremental_authorization: { status: 'unavailable' },
      installments: null,
      last4: card?.last4 ?? '4242',
      mandate: null,
      multicapture: { status: 'unavailable' },
      network: card?.brand ?? 'visa',
      network_token: { used: false },
      network_transaction_id: null,
      overcapture: { maximum_amount_capturable: amount, status: 'unavailable' },
      regulated_status: 'unregulated',
      three_d_secure: null,
      wallet: null,
    },
  } as Stripe.Charge.PaymentMethodDetails;
}

function fingerprint(value: string): string {
  let hash = 0;
  for (const char of value) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(16, 'x').slice(0, 16);
}
