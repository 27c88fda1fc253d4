import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { conformanceProblems, deliveryProblems, expectConforms, fieldSetProblems } from './conformance.js';
import { NEWER_FIELDS } from './allowances.js';
import { compareToFixture, expectFixtureFields, fixture } from './fixtures.js';
import type { HttpMethod } from './openapi.js';
import { expansionProblems, pathTemplateFor, specVersion, validateResponse, validateSchema } from './openapi.js';

// Each fixture is served as the body of the endpoint that returns it; if the harness accepts all of
// them and rejects the broken ones below, a failure against the emulator means the emulator is wrong.
/** The fixture as the emulator must serve it: plus the fields newer than the fixtures (see allowances.ts). */
function served(resource: string): Record<string, unknown> {
  const extra = Object.fromEntries((NEWER_FIELDS[resource] ?? []).map((field) => [field, null]));
  return { ...fixture(resource), ...extra };
}

const FIXTURE_RESPONSES: [resource: string, method: HttpMethod, path: string][] = [
  ['checkout.session', 'get', '/v1/checkout/sessions/cs_test_1'],
  ['checkout.session', 'post', '/v1/checkout/sessions'],
  ['checkout.session', 'post', '/v1/checkout/sessions/cs_test_1/expire'],
  ['payment_intent', 'post', '/v1/payment_intents/pi_1/confirm'],
  ['payment_intent', 'get', '/v1/payment_intents/pi_1'],
  ['charge', 'get', '/v1/charges/ch_1'],
  ['refund', 'post', '/v1/refunds'],
  ['dispute', 'post', '/v1/disputes/dp_1/close'],
  ['event', 'get', '/v1/events/evt_1'],
  ['webhook_endpoint', 'post', '/v1/webhook_endpoints'],
  ['deleted_webhook_endpoint', 'delete', '/v1/webhook_endpoints/we_1'],
  ['customer', 'get', '/v1/customers/cus_1'],
  ['deleted_customer', 'delete', '/v1/customers/cus_1'],
  ['product', 'post', '/v1/products'],
  ['deleted_product', 'delete', '/v1/products/prod_1'],
  ['price', 'get', '/v1/prices/price_1'],
];

describe('the OpenAPI harness', () => {
  it('reads the 2024-04-10 Stripe description', () => {
    expect(specVersion()).toBe('2024-04-10');
  });

  it.each(FIXTURE_RESPONSES)('accepts the %s fixture as the body of %s %s', (resource, method, path) => {
    expect(validateResponse(method, path, 200, fixture(resource))).toEqual([]);
    expect(compareToFixture(served(resource))).toMatchObject({ missing: [], extra: [] });
  });

  it('accepts fixture objects inside list responses, including checkout line items', () => {
    const list = (item: string, url: string) => ({ object: 'list', data: [fixture(item)], has_more: false, url });
    expect(conformanceProblems('get', '/v1/checkout/sessions/cs_1/line_items', 200, list('item', '/v1/checkout/sessions/cs_1/line_items'))).toEqual([]);
    // The fixture event carries a plan that is older than the plan fixture, so carry a session instead.
    const event = { ...fixture('event'), type: 'checkout.session.completed', data: { object: served('checkout.session') } };
    expect(conformanceProblems('get', '/v1/events', 200, { object: 'list', data: [event], has_more: false, url: '/v1/events' })).toEqual([]);
    expect(conformanceProblems('get', '/v1/refunds', 200, list('refund', '/v1/refunds'))).toEqual([]);
  });

  it('accepts a Stripe error body under the default response', () => {
    const body = { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such session', param: 'session' } };
    expect(conformanceProblems('get', '/v1/checkout/sessions/cs_nope', 404, body)).toEqual([]);
  });

  it('prefers literal path segments over parameters when matching a concrete path', () => {
    expect(pathTemplateFor('get', '/v1/customers/search?query=x')).toBe('/v1/customers/search');
    expect(pathTemplateFor('get', '/v1/customers/cus_1')).toBe('/v1/customers/{customer}');
    expect(pathTemplateFor('post', '/v1/checkout/sessions/cs_1/expire')).toBe('/v1/checkout/sessions/{session}/expire');
    expect(() => pathTemplateFor('get', '/v1/not_a_thing')).toThrow(/no operation GET \/v1\/not_a_thing/);
  });

  it('names the field, the allowed values and the value found when an enum is violated', () => {
    const session = { ...served('checkout.session'), status: 'paid' };
    const problems = validateSchema('checkout.session', session);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/status must be one of \["complete","expired","open",null\], got "paid"$/);
  });

  it('reports a missing required field, a wrong type and a null where null is not allowed', () => {
    const session: Record<string, unknown> = { ...served('checkout.session'), amount_total: '1000', livemode: null };
    delete session.id;
    const problems = validateSchema('checkout.session', session);
    expect(problems).toContain('(body) lacks required field "id"');
    expect(problems).toContain('/amount_total must be integer,null, got "1000"');
    expect(problems).toContain('/livemode must be boolean, got null');
  });

  it('rejects an expandable field that is neither an id nor the expanded object', () => {
    const problems = validateSchema('checkout.session', { ...served('checkout.session'), payment_intent: 42 });
    expect(problems).toEqual(['/payment_intent must be an id or an expanded payment_intent, got 42']);
  });

  it('validates an expanded object against its own schema and reports the full path', () => {
    const intent = { ...served('payment_intent'), status: 'paid' };
    const problems = validateSchema('checkout.session', { ...served('checkout.session'), payment_intent: intent });
    expect(problems).toEqual([expect.stringMatching(/^\/payment_intent\/status must be one of .*got "paid"$/)]);
  });

  it('checks that expandable fields are ids unless expanded and objects when expanded', () => {
    const session = served('checkout.session');
    expect(expansionProblems('checkout.session', session)).toEqual([]);
    expect(expansionProblems('checkout.session', session, ['payment_intent'])).toEqual([
      'payment_intent was expanded but is "pi_1PgafyB7WZ01zgkWSjxsAJo3"',
    ]);
    const expanded = { ...session, payment_intent: served('payment_intent') };
    expect(expansionProblems('checkout.session', expanded, ['payment_intent'])).toEqual([]);
    expect(expansionProblems('checkout.session', expanded)[0]).toMatch(/^payment_intent was not expanded but is \{/);
  });

  it('treats an undocumented success status as a failure of the exchange', () => {
    expect(() => validateResponse('post', '/v1/refunds', 201, fixture('refund'))).toThrow(/201, a success status the spec does not describe/);
  });

  it('lists missing and extra top-level fields by name', () => {
    const session: Record<string, unknown> = { ...served('checkout.session'), paid: true };
    delete session.payment_status;
    expect(compareToFixture(session)).toEqual({ resource: 'checkout.session', missing: ['payment_status'], extra: ['paid'] });
    expect(() => expectFixtureFields(session)).toThrow(
      'checkout.session fields differ from fixtures3.json: missing payment_status; extra paid',
    );
  });

  it('expects the fields the SDK declares beyond the fixture, and names them when absent', () => {
    expect(compareToFixture(fixture('payment_intent')).missing).toEqual(['allowed_payment_method_types', 'payment_record']);
  });

  it('reads the type-specific field of a payment method from its type', () => {
    const { card, ...rest } = fixture('payment_method');
    const sepa = { ...rest, type: 'sepa_debit', sepa_debit: card };
    expect(compareToFixture(sepa)).toMatchObject({ missing: [], extra: [] });
    expect(compareToFixture({ ...sepa, type: 'card' })).toMatchObject({ missing: ['card'], extra: ['sepa_debit'] });
  });

  it('allows conditional fields only where allowances.ts names them', () => {
    expect(compareToFixture({ ...fixture('webhook_endpoint'), secret: 'whsec_x' }).extra).toEqual([]);
    expect(compareToFixture({ ...served('checkout.session'), line_items: { object: 'list' } }).extra).toEqual([]);
    expect(compareToFixture({ ...fixture('refund'), secret: 'x' }).extra).toEqual(['secret']);
  });

  it('checks an event payload against its own resource and reports where it broke', () => {
    const event = { ...fixture('event'), type: 'checkout.session.completed', data: { object: { ...served('checkout.session'), mode: 'gift' } } };
    const problems = conformanceProblems('get', '/v1/events/evt_1', 200, event);
    expect(problems).toEqual([expect.stringMatching(/^\(body\)\.data\.object \/mode must be one of .*got "gift"$/)]);
  });

  it('fails an exchange with one message that carries every problem', () => {
    const session: Record<string, unknown> = { ...served('checkout.session'), status: 'paid', surprise: 1 };
    delete session.url;
    expect(() => expectConforms('get', '/v1/checkout/sessions/cs_1', 200, session)).toThrow(
      /GET \/v1\/checkout\/sessions\/cs_1 → 200 does not conform:\n {2}\/status must be one of .*\n {2}\(body\): checkout\.session fields differ from fixtures3\.json: missing url; extra surprise/,
    );
  });

  it('insists an error body carries only the error envelope', () => {
    const problems = conformanceProblems('get', '/v1/charges/ch_1', 404, { error: { type: 'invalid_request_error' }, status: 404 });
    expect(problems).toEqual(['error body has fields error,status, expected only "error"']);
  });

  it('checks a webhook delivery: its signature first, then the event and its payload', () => {
    const stripe = new Stripe('sk_test_harness');
    const secret = 'whsec_harness';
    const event = { ...fixture('event'), type: 'checkout.session.completed', data: { object: served('checkout.session') } };
    const signed = (body: object) => {
      const rawBody = JSON.stringify(body);
      return { rawBody, signature: stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret }) };
    };
    expect(deliveryProblems(stripe, signed(event), secret)).toEqual([]);
    expect(deliveryProblems(stripe, signed(event), 'whsec_other')[0]).toMatch(/^delivery signature does not verify/);
    const broken = { ...event, data: { object: { ...served('checkout.session'), payment_status: 'settled' } } };
    expect(deliveryProblems(stripe, signed(broken), secret)).toEqual([
      expect.stringMatching(/^event evt_\w+ \(checkout\.session\.completed\)\.data\.object \/payment_status must be one of .*got "settled"$/),
    ]);
  });

  it('insists previous_attributes only names fields of the event object', () => {
    const event = (previous: object) => ({
      ...fixture('event'),
      type: 'checkout.session.expired',
      data: { object: served('checkout.session'), previous_attributes: previous },
    });
    expect(conformanceProblems('get', '/v1/events/evt_1', 200, event({ status: 'open' }))).toEqual([]);
    expect(conformanceProblems('get', '/v1/events/evt_1', 200, event({ state: 'open' }))).toEqual([
      '(body).data.previous_attributes names fields the object lacks: state',
    ]);
  });

  it('insists a list names the path it was fetched from as its url', () => {
    const list = { object: 'list', data: [], has_more: false, url: '/v1/refunds' };
    expect(conformanceProblems('get', '/v1/refunds?limit=3', 200, list)).toEqual([]);
    expect(conformanceProblems('get', '/v1/customers', 200, { ...list, url: '/v1/refunds' })).toContain('list url is "/v1/refunds", expected "/v1/customers"');
  });

  it('insists ids carry the prefix of their type and test mode is not live', () => {
    const problems = fieldSetProblems({ ...served('checkout.session'), id: 'pi_123', livemode: true });
    expect(problems).toEqual([
      '(body).id "pi_123" does not start with "cs_test_" like the checkout.session fixture',
      '(body).livemode is true in test mode',
    ]);
  });
});
