import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, missingParam, resourceMissing, StripeApiError, unexpectedState } from '../errors.js';
import { mergeMetadata, optionalBoolean, optionalInteger, optionalObject, optionalString, rejectUnknown, requiredInteger, requiredString, stringList, type Params } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import { mergePaymentMethodOptions, PAYMENT_METHOD_OPTIONS_SHAPE, validatePaymentMethodTypes } from '../payment-method-types.js';
import { attemptPayment, createPaymentIntent, resolvePaymentMethod } from '../payments.js';
import type { Cause, World } from '../world.js';
import { PAYMENT_METHOD_DATA_SHAPE, paymentMethodFromData } from './payment-methods.js';

const CREATE_SHAPE = {
  amount: true, currency: true, metadata: 'any', description: true, customer: true, receipt_email: true,
  payment_method: true, payment_method_data: PAYMENT_METHOD_DATA_SHAPE, payment_method_types: [true], confirm: true, return_url: true,
  automatic_payment_methods: { enabled: true, allow_redirects: true }, capture_method: true, off_session: true,
  statement_descriptor: true, statement_descriptor_suffix: true, setup_future_usage: true, error_on_requires_action: true,
  payment_method_options: PAYMENT_METHOD_OPTIONS_SHAPE,
} as const;
const UPDATE_SHAPE = {
  amount: true, currency: true, metadata: 'any', description: true, customer: true, receipt_email: true, payment_method: true, payment_method_types: [true],
  payment_method_options: PAYMENT_METHOD_OPTIONS_SHAPE,
} as const;
const CONFIRM_SHAPE = {
  payment_method: true, payment_method_data: PAYMENT_METHOD_DATA_SHAPE, return_url: true, off_session: true, receipt_email: true, error_on_requires_action: true, setup_future_usage: true,
  payment_method_options: PAYMENT_METHOD_OPTIONS_SHAPE,
} as const;
// Stripe's code for a parameter a PaymentIntent cannot take, as in its payment_method_types refusals.
const INVALID_PARAMETER = 'payment_intent_invalid_parameter';
const CONFIRMABLE: Stripe.PaymentIntent.Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: Stripe.PaymentIntent.Status[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

export function findIntent(world: World, id: string): Stripe.PaymentIntent {
  const intent = world.state.paymentIntents.get(id);
  if (!intent) throw resourceMissing('payment_intent', id, 'intent');
  return intent;
}

export function cancelIntent(world: World, intent: Stripe.PaymentIntent, reason: Stripe.PaymentIntent.CancellationReason, cause: Cause): void {
  intent.status = 'canceled';
  intent.canceled_at = world.now();
  intent.cancellation_reason = reason;
  intent.next_action = null;
  world.emit('payment_intent.canceled', intent, cause);
}

function validateAmount(amount: number): void {
  if (amount < 50) throw invalidRequest('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
  if (amount > 99_999_999) throw invalidRequest('Amount must be no more than $999,999.99', 'amount', 'amount_too_large');
}

/** Confirms and, for a decline, throws the 402 card error Stripe returns (the intent travels in the error). */
function confirm(world: World, intent: Stripe.PaymentIntent, params: Params, cause: Cause): Stripe.PaymentIntent {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`);
  }
  const methodData = optionalObject(params, 'payment_method_data');
  const methodRef = methodData
    ? paymentMethodFromData(world, methodData, 'payment_method_data').id
    : optionalString(params, 'payment_method') ?? (typeof intent.payment_method === 'string' ? intent.payment_method : undefined);
  if (!methodRef) {
    throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.", 'payment_method', 'payment_intent_unexpected_state');
  }
  const paymentMethod = resolvePaymentMethod(world, methodRef);
  setOptions(intent, params);
  const result = attemptPayment(world, intent, paymentMethod, cause, optionalString(params, 'return_url') ?? null);
  if (result.kind === 'declined') {
    throw new StripeApiError(402, { ...result.error, payment_intent: structuredClone(intent) });
  }
  return intent;
}

/** Options echo on the intent; a change is kept even when the confirmation that carried it is declined. */
function setOptions(intent: Stripe.PaymentIntent, params: Params): Record<string, unknown> | undefined {
  if (params['payment_method_options'] === undefined) return undefined;
  const previous = structuredClone(intent.payment_method_options ?? {}) as Record<string, unknown>;
  intent.payment_method_options = mergePaymentMethodOptions(previous, params, intent.payment_method_types) as Stripe.PaymentIntent.PaymentMethodOptions;
  return previous;
}

/**
 * Since 2023-08-16 an intent created without `payment_method_types` uses automatic payment methods; the emulator's
 * account has only card turned on, so the list Stripe computes is `['card']` either way.
 */
function automaticPaymentMethods(world: World, params: Params, cause: Cause, explicitTypes: boolean): Stripe.PaymentIntent.AutomaticPaymentMethods | null {
  const given = optionalObject(params, 'automatic_payment_methods');
  if (given) {
    const enabled = optionalBoolean(given, 'enabled');
    if (enabled === undefined) throw missingParam('automatic_payment_methods[enabled]');
    if (enabled && explicitTypes) {
      throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', 'automatic_payment_methods');
    }
    const allowRedirects = optionalString(given, 'allow_redirects') as Stripe.PaymentIntent.AutomaticPaymentMethods.AllowRedirects | undefined;
    return enabled ? { allow_redirects: allowRedirects ?? 'always', enabled: true } : null;
  }
  if (explicitTypes || !world.has(cause, 'automaticPaymentMethodsByDefault')) return null;
  return { allow_redirects: 'always', enabled: true };
}

export function registerPaymentIntents(app: FastifyInstance, world: World): void {
  app.post('/v1/payment_intents', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, CREATE_SHAPE);
    const cause = causeOf(request);
    const amount = requiredInteger(params, 'amount');
    validateAmount(amount);
    const customer = optionalString(params, 'customer') ?? null;
    if (customer && !world.state.customers.get(customer)) throw resourceMissing('customer', customer, 'customer');
    const currency = requiredString(params, 'currency').toLowerCase();
    const explicitTypes = stringList(params, 'payment_method_types');
    const paymentMethodTypes = explicitTypes ?? ['card'];
    validatePaymentMethodTypes(paymentMethodTypes, currency, world.config.accountCountry, 'payment_method_types', INVALID_PARAMETER);
    const automatic = automaticPaymentMethods(world, params, cause, explicitTypes !== undefined);
    const paymentMethodOptions = mergePaymentMethodOptions({}, params, paymentMethodTypes);
    const methodRef = optionalString(params, 'payment_method');
    const paymentMethod = methodRef ? resolvePaymentMethod(world, methodRef) : null;
    const intent = createPaymentIntent(world, {
      amount,
      currency,
      metadata: mergeMetadata({}, params),
      description: optionalString(params, 'description') ?? null,
      customer,
      receiptEmail: optionalString(params, 'receipt_email') ?? null,
      paymentMethodTypes,
      paymentMethod: paymentMethod?.id ?? null,
      paymentMethodOptions,
      automaticPaymentMethods: automatic,
    }, cause);
    if (optionalBoolean(params, 'confirm')) confirm(world, intent, params, cause);
    return world.expand(intent, params);
  });

  app.get('/v1/payment_intents/:id', async (request) => world.expand(findIntent(world, idOf(request)), retrieveParamsOf(request, { client_secret: true })));

  app.post('/v1/payment_intents/:id', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, UPDATE_SHAPE);
    const intent = findIntent(world, idOf(request));
    if (intent.status === 'succeeded' || intent.status === 'canceled' || intent.status === 'processing') {
      const touchesMoney = params['amount'] !== undefined || params['currency'] !== undefined || params['payment_method'] !== undefined;
      if (touchesMoney) throw unexpectedState(`This PaymentIntent's amount, currency and payment_method could not be updated because it has a status of ${intent.status}.`);
    }
    const previous: Record<string, unknown> = {};
    const amount = optionalInteger(params, 'amount');
    if (amount !== undefined) {
      validateAmount(amount);
      previous['amount'] = intent.amount;
      intent.amount = amount;
    }
    const currency = optionalString(params, 'currency');
    const types = stringList(params, 'payment_method_types');
    if (currency || types) validatePaymentMethodTypes(types ?? intent.payment_method_types, currency?.toLowerCase() ?? intent.currency, world.config.accountCountry, 'payment_method_types', INVALID_PARAMETER);
    if (currency) {
      previous['currency'] = intent.currency;
      intent.currency = currency.toLowerCase();
    }
    if (types) {
      previous['payment_method_types'] = intent.payment_method_types;
      intent.payment_method_types = types;
      intent.automatic_payment_methods = null;
    }
    const previousOptions = setOptions(intent, params);
    if (previousOptions) previous['payment_method_options'] = previousOptions;
    if (params['metadata'] !== undefined) {
      previous['metadata'] = intent.metadata;
      intent.metadata = mergeMetadata(intent.metadata, params);
    }
    const description = optionalString(params, 'description');
    if (description !== undefined) {
      previous['description'] = intent.description;
      intent.description = description;
    }
    const receiptEmail = optionalString(params, 'receipt_email');
    if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
    const methodRef = optionalString(params, 'payment_method');
    if (methodRef) {
      previous['payment_method'] = intent.payment_method;
      intent.payment_method = resolvePaymentMethod(world, methodRef).id;
      intent.status = 'requires_confirmation';
    }
    if (Object.keys(previous).length > 0) world.emit('payment_intent.updated', intent, causeOf(request), previous);
    return world.expand(intent, params);
  });

  app.post('/v1/payment_intents/:id/confirm', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, CONFIRM_SHAPE);
    const intent = findIntent(world, idOf(request));
    return world.expand(confirm(world, intent, params, causeOf(request)), params);
  });

  app.post('/v1/payment_intents/:id/cancel', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { cancellation_reason: true });
    const intent = findIntent(world, idOf(request));
    if (!CANCELABLE.includes(intent.status)) {
      throw unexpectedState(`You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`);
    }
    const reason = (optionalString(params, 'cancellation_reason') ?? 'requested_by_customer') as Stripe.PaymentIntent.CancellationReason;
    cancelIntent(world, intent, reason, causeOf(request));
    return world.expand(intent, params);
  });

  app.get('/v1/payment_intents', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, customer: true });
    const customer = optionalString(params, 'customer');
    const created = createdFilter(params);
    const rows = world.state.paymentIntents.newestFirst().filter((pi) => (!customer || pi.customer === customer) && created(pi.created));
    return world.expand(paginate(rows, params, '/v1/payment_intents'), params);
  });
}
