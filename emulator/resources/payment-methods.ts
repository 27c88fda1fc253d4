import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from '../errors.js';
import { mergeMetadata, optionalObject, optionalString, rejectUnknown, requiredString, type Params } from '../form.js';
import { idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { createPaymentMethod } from '../payments.js';
import { findCardByToken, findIban } from '../test-cards.js';
import type { World } from '../world.js';

export const PAYMENT_METHOD_DATA_SHAPE = {
  type: true,
  card: { token: true },
  sepa_debit: { iban: true },
  billing_details: { email: true, name: true, phone: true, address: 'any' },
  metadata: 'any',
} as const;

/** `type=card` with `card[token]=tok_visa` (Stripe's test tokens), or `type=sepa_debit` with a test IBAN. */
export function paymentMethodFromData(world: World, data: Params, prefix = ''): Stripe.PaymentMethod {
  const name = (field: string): string => (prefix ? `${prefix}[${field}]` : field);
  const type = optionalString(data, 'type');
  const email = optionalString(optionalObject(data, 'billing_details') ?? {}, 'email') ?? null;
  let paymentMethod: Stripe.PaymentMethod;
  if (type === 'card') {
    const token = optionalString(optionalObject(data, 'card') ?? {}, 'token') ?? '';
    const card = findCardByToken(token.replace(/^tok_/, 'pm_card_'));
    if (!card) throw invalidRequest(`No such token: '${token}'. Use a test token such as tok_visa.`, name('card[token]'), 'resource_missing');
    paymentMethod = createPaymentMethod(world, { type: 'card', card }, email);
  } else if (type === 'sepa_debit') {
    const ibanInput = optionalString(optionalObject(data, 'sepa_debit') ?? {}, 'iban') ?? '';
    const iban = findIban(ibanInput);
    if (!iban) throw invalidRequest('Use a test IBAN: DE89370400440532013000 (succeeds) or DE62370400440532013001 (fails).', name('sepa_debit[iban]'), 'invalid_bank_account_iban');
    paymentMethod = createPaymentMethod(world, { type: 'sepa_debit', iban }, email);
  } else if (type === undefined) {
    throw invalidRequest(`Missing required param: ${name('type')}.`, name('type'), 'parameter_missing');
  } else {
    throw invalidRequest(`The emulator supports payment method types card and sepa_debit, not '${type}'.`, name('type'));
  }
  paymentMethod.metadata = mergeMetadata({}, data);
  return paymentMethod;
}

export function registerPaymentMethods(app: FastifyInstance, world: World): void {
  app.post('/v1/payment_methods', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, PAYMENT_METHOD_DATA_SHAPE);
    requiredString(params, 'type');
    const paymentMethod = paymentMethodFromData(world, params);
    return paymentMethod;
  });

  app.get('/v1/payment_methods/:id', async (request) => {
    const id = idOf(request);
    const paymentMethod = world.state.paymentMethods.get(id);
    if (!paymentMethod) throw resourceMissing('payment_method', id);
    return world.expand(paymentMethod, retrieveParamsOf(request));
  });
}
