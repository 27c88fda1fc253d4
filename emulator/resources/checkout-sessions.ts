import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { invalidRequest, missingParam, resourceMissing } from '../errors.js';
import { mergeMetadata, optionalInteger, optionalList, optionalObject, optionalString, rejectUnknown, requiredString, stringList, type Params } from '../form.js';
import { causeOf, idOf, paramsOf, retrieveParamsOf } from '../http.js';
import { newId, newSecret } from '../ids.js';
import { createdFilter, LIST_SHAPE, paginate } from '../list.js';
import { attemptPayment, createPaymentIntent, createPaymentMethod, finishAuthentication, type AttemptResult } from '../payments.js';
import { validatePaymentMethodTypes } from '../payment-method-types.js';
import type { TestMethod } from '../test-cards.js';
import { createCustomer } from './customers.js';
import type { Cause, World } from '../world.js';
import { PRICE_DATA_SHAPE, createPrice } from './prices.js';
import { cancelIntent } from './payment-intents.js';

const CREATE_SHAPE = {
  mode: true,
  line_items: [{ price: true, quantity: true, price_data: PRICE_DATA_SHAPE, adjustable_quantity: 'any' }],
  success_url: true,
  cancel_url: true,
  metadata: 'any',
  client_reference_id: true,
  customer_email: true,
  customer: true,
  customer_creation: true,
  payment_intent_data: { metadata: 'any', description: true, receipt_email: true, statement_descriptor: true },
  expires_at: true,
  payment_method_types: [true],
  locale: true,
  submit_type: true,
  billing_address_collection: true,
  ui_mode: true,
  currency: true,
} as const;

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

export function findSession(world: World, id: string): Stripe.Checkout.Session {
  const session = world.state.sessions.get(id);
  if (!session) throw resourceMissing('checkout.session', id, 'session');
  return session;
}

function buildLineItems(world: World, params: Params): Stripe.LineItem[] {
  const items = optionalList(params, 'line_items');
  if (!items || items.length === 0) throw missingParam('line_items');
  return items.map((raw, index) => {
    const prefix = `line_items[${index}]`;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid object`, prefix);
    const quantity = optionalInteger(raw, 'quantity', `${prefix}[quantity]`);
    if (quantity === undefined) throw missingParam(`${prefix}[quantity]`);
    if (quantity < 1) throw invalidRequest('This value must be greater than or equal to 1.', `${prefix}[quantity]`);
    const priceId = optionalString(raw, 'price');
    const priceData = optionalObject(raw, 'price_data');
    let price: Stripe.Price;
    if (priceId) {
      const found = world.state.prices.get(priceId);
      if (!found) throw resourceMissing('price', priceId, `${prefix}[price]`);
      price = found;
    } else if (priceData) {
      price = createPrice(world, priceData, `${prefix}[price_data]`);
    } else {
      throw invalidRequest(`You must specify either \`price\` or \`price_data\` in ${prefix}.`, `${prefix}[price]`);
    }
    const amount = (price.unit_amount ?? 0) * quantity;
    const product = typeof price.product === 'string' ? world.state.products.get(price.product) : undefined;
    const item: Stripe.LineItem = {
      id: newId('li'),
      object: 'item',
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: price.currency,
      description: product?.name ?? null,
      metadata: {},
      price: structuredClone(price),
      quantity,
    };
    return item;
  });
}

/**
 * Stripe's hosted URL ends in a fragment (`#fid…`) that its page reads; integrations and sample apps match on it,
 * so the emulator's URL has one too. The server never sees a fragment, so routing is unchanged.
 */
function hostedUrl(world: World, id: string): string {
  return `${world.baseUrl}/c/pay/${id}#fid${Buffer.from(newSecret('fid')).toString('base64url')}`;
}

function customerCreation(world: World, params: Params, customer: string | undefined, cause: Cause): Stripe.Checkout.Session.CustomerCreation | null {
  const given = optionalString(params, 'customer_creation');
  if (given !== undefined && given !== 'always' && given !== 'if_required') {
    throw invalidRequest(`Invalid customer_creation: must be one of always or if_required`, 'customer_creation');
  }
  if (customer) {
    if (given) throw invalidRequest('You may only specify one of these parameters: customer, customer_creation.', 'customer_creation');
    return null;
  }
  // Before 2022-08-01, Checkout in payment mode made a Customer for every session.
  return (given as Stripe.Checkout.Session.CustomerCreation | undefined) ?? (world.has(cause, 'checkoutCustomerIfRequired') ? 'if_required' : 'always');
}

function createSession(world: World, params: Params, cause: Cause): Stripe.Checkout.Session {
  rejectUnknown(params, CREATE_SHAPE);
  const mode = requiredString(params, 'mode');
  if (mode !== 'payment') throw invalidRequest(`The emulator supports only mode=payment, not '${mode}'.`, 'mode');
  const lineItems = buildLineItems(world, params);
  const currency = lineItems[0]?.currency ?? 'usd';
  if (lineItems.some((item) => item.currency !== currency)) {
    throw invalidRequest('All line items must use the same currency.', 'line_items');
  }
  const total = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
  const now = world.now();
  const expiresAt = optionalInteger(params, 'expires_at') ?? now + MAX_EXPIRY_SECONDS;
  if (expiresAt < now + MIN_EXPIRY_SECONDS - 5 || expiresAt > now + MAX_EXPIRY_SECONDS + 5) {
    throw invalidRequest('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
  }
  const customer = optionalString(params, 'customer');
  if (customer && !world.state.customers.get(customer)) throw resourceMissing('customer', customer, 'customer');
  const paymentMethodTypes = stringList(params, 'payment_method_types') ?? ['card'];
  validatePaymentMethodTypes(paymentMethodTypes, currency, world.config.accountCountry);
  const intentData = optionalObject(params, 'payment_intent_data') ?? {};
  const id = newId('cs_test');
  const session: Stripe.Checkout.Session = {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: optionalString(params, 'cancel_url') ?? null,
    client_reference_id: optionalString(params, 'client_reference_id') ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: now,
    currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customer ?? null,
    customer_account: null,
    customer_creation: customerCreation(world, params, customer, cause),
    customer_details: null,
    customer_email: optionalString(params, 'customer_email') ?? null,
    discounts: [],
    expires_at: expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } },
    livemode: false,
    locale: (optionalString(params, 'locale') ?? null) as Stripe.Checkout.Session.Locale | null,
    managed_payments: null,
    metadata: mergeMetadata({}, params),
    mode: 'payment',
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: paymentMethodTypes,
    payment_status: total === 0 ? 'no_payment_required' : 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: optionalString(params, 'success_url') ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: hostedUrl(world, id),
    wallet_options: null,
  };
  world.state.sessions.put(session);
  world.rememberVersion(id, cause);
  const expiryTimer = world.clock.at(expiresAt * 1000, () => expireSession(world, session, world.automaticFor(id)));
  world.state.sessionExtras.set(id, { lineItems, expiryTimer, intentMetadata: mergeMetadata({}, intentData), intentDescription: optionalString(intentData, 'description') ?? null });
  // Before 2022-08-01 the session's PaymentIntent existed from the start.
  if (!world.has(cause, 'lazyCheckoutIntent') && total > 0) ensureIntent(world, session);
  return session;
}

export function expireSession(world: World, session: Stripe.Checkout.Session, cause: Cause): void {
  if (session.status !== 'open') {
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${String(session.status)}".`, 'session');
  }
  const extras = world.state.sessionExtras.get(session.id);
  if (extras?.expiryTimer !== undefined) world.clock.cancel(extras.expiryTimer);
  session.status = 'expired';
  session.url = null;
  if (typeof session.payment_intent === 'string') {
    const intent = world.state.paymentIntents.get(session.payment_intent);
    if (intent && intent.status !== 'succeeded' && intent.status !== 'canceled' && intent.status !== 'processing') cancelIntent(world, intent, 'abandoned', cause);
  }
  world.emit('checkout.session.expired', session, cause);
}

function completeSession(world: World, session: Stripe.Checkout.Session, paymentStatus: 'paid' | 'unpaid', email: string | null): void {
  const extras = world.state.sessionExtras.get(session.id);
  if (extras?.expiryTimer !== undefined) world.clock.cancel(extras.expiryTimer);
  session.status = 'complete';
  session.payment_status = paymentStatus;
  session.url = null;
  session.customer_details = {
    address: null,
    business_name: null,
    email: email ?? session.customer_email,
    individual_name: null,
    name: null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  const event = world.emit('checkout.session.completed', session, world.automaticFor(session.id));
  if (extras) extras.completedEventId = event.id;
}

export type SessionPayResult = AttemptResult['kind'];

function ensureIntent(world: World, session: Stripe.Checkout.Session): Stripe.PaymentIntent {
  if (typeof session.payment_intent === 'string') {
    const existing = world.state.paymentIntents.get(session.payment_intent);
    if (existing) return existing;
  }
  const extras = world.state.sessionExtras.get(session.id);
  const intent = createPaymentIntent(world, {
    amount: session.amount_total ?? 0,
    currency: session.currency ?? 'usd',
    metadata: extras?.intentMetadata ?? {},
    description: extras?.intentDescription ?? null,
    customer: typeof session.customer === 'string' ? session.customer : null,
    receiptEmail: null,
    paymentMethodTypes: session.payment_method_types,
    paymentMethod: null,
  }, world.automaticFor(session.id));
  session.payment_intent = intent.id;
  world.state.sessionByPaymentIntent.set(intent.id, session.id);
  return intent;
}

/** The buyer submitted the hosted page with `method`. */
export function payForSession(world: World, session: Stripe.Checkout.Session, method: TestMethod, email: string | null): AttemptResult {
  const intent = ensureIntent(world, session);
  if (session.customer_creation === 'always' && session.customer === null) attachNewCustomer(world, session, intent, email);
  const paymentMethod = createPaymentMethod(world, method, email);
  const result = attemptPayment(world, intent, paymentMethod, world.automaticFor(session.id), null);
  afterAttempt(world, session, result, email);
  return result;
}

/** `customer_creation: always`: the buyer becomes a Customer when they pay, as Stripe's Checkout does. */
function attachNewCustomer(world: World, session: Stripe.Checkout.Session, intent: Stripe.PaymentIntent, email: string | null): void {
  const address = email ?? session.customer_email;
  const customer = createCustomer(world, address ? { email: address } : {});
  const cause = world.automaticFor(session.id);
  world.emit('customer.created', customer, cause);
  session.customer = customer.id;
  intent.customer = customer.id;
}

export function finishSessionAuthentication(world: World, session: Stripe.Checkout.Session, intent: Stripe.PaymentIntent, approved: boolean): AttemptResult {
  const result = finishAuthentication(world, intent, approved, world.automaticFor(session.id));
  afterAttempt(world, session, result, null);
  return result;
}

function afterAttempt(world: World, session: Stripe.Checkout.Session, result: AttemptResult, email: string | null): void {
  if (result.kind === 'succeeded') completeSession(world, session, 'paid', email);
  if (result.kind === 'processing') completeSession(world, session, 'unpaid', email);
}

/** Delayed methods complete the session unpaid; the settlement then pays it or reports the failure. */
export function followAsyncSettlement(world: World): void {
  world.asyncSettledListeners.push((intent, succeeded, cause) => {
    const sessionId = world.state.sessionByPaymentIntent.get(intent.id);
    const session = sessionId ? world.state.sessions.get(sessionId) : undefined;
    if (!session) return;
    if (succeeded) {
      session.payment_status = 'paid';
      world.emit('checkout.session.async_payment_succeeded', session, cause);
    } else {
      world.emit('checkout.session.async_payment_failed', session, cause);
    }
  });
}

export function sessionLineItems(world: World, sessionId: string): Stripe.LineItem[] {
  return world.state.sessionExtras.get(sessionId)?.lineItems ?? [];
}

export function registerCheckoutSessions(app: FastifyInstance, world: World): void {
  followAsyncSettlement(world);

  app.post('/v1/checkout/sessions', async (request) => {
    const params = paramsOf(request);
    return world.expand(createSession(world, params, causeOf(request)), params);
  });

  app.get('/v1/checkout/sessions/:id', async (request) => {
    const params = retrieveParamsOf(request);
    const session = findSession(world, idOf(request));
    const expand = stringList(params, 'expand') ?? [];
    // line_items is includable, not a stored id: build it here and keep it away from the generic expander,
    // on a copy so the stored session never gains it.
    const view = { ...world.expand(session, { ...params, expand: expand.filter((path) => path !== 'line_items') }) };
    if (expand.includes('line_items')) {
      view.line_items = paginate(sessionLineItems(world, session.id), { limit: '100' }, `/v1/checkout/sessions/${session.id}/line_items`);
    }
    return view;
  });

  app.get('/v1/checkout/sessions', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, { ...LIST_SHAPE, status: true, payment_intent: true, customer: true, payment_link: true, subscription: true, customer_details: 'any' });
    const status = optionalString(params, 'status');
    const intent = optionalString(params, 'payment_intent');
    const customer = optionalString(params, 'customer');
    const created = createdFilter(params);
    const rows = world.state.sessions.newestFirst().filter((s) =>
      (!status || s.status === status) && (!intent || s.payment_intent === intent) && (!customer || s.customer === customer) && created(s.created));
    return world.expand(paginate(rows, params, '/v1/checkout/sessions'), params);
  });

  app.post('/v1/checkout/sessions/:id/expire', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, {});
    const session = findSession(world, idOf(request));
    expireSession(world, session, causeOf(request));
    return world.expand(session, params);
  });

  app.get('/v1/checkout/sessions/:id/line_items', async (request) => {
    const params = paramsOf(request);
    rejectUnknown(params, LIST_SHAPE);
    const session = findSession(world, idOf(request));
    return world.expand(paginate(sessionLineItems(world, session.id), params, `/v1/checkout/sessions/${session.id}/line_items`), params);
  });
}
