import { describe, expect, it } from 'vitest';
import { useConformanceClient } from './client.js';
import type { HttpMethod } from './openapi.js';
import { requestParameters, sampleValue } from './openapi.js';

// The request side of the contract, read from the spec: what Stripe requires, the emulator requires;
// what Stripe accepts as a list filter, the emulator does not refuse as unknown.

const client = useConformanceClient();

const PAGING = new Set(['limit', 'starting_after', 'ending_before', 'expand']);

const LIST_ENDPOINTS = [
  '/v1/checkout/sessions',
  '/v1/payment_intents',
  '/v1/charges',
  '/v1/refunds',
  '/v1/disputes',
  '/v1/events',
  '/v1/webhook_endpoints',
  '/v1/customers',
  '/v1/products',
  '/v1/prices',
];

const CREATE_ENDPOINTS = ['/v1/payment_intents', '/v1/webhook_endpoints', '/v1/products', '/v1/prices'];

const filters = LIST_ENDPOINTS.flatMap((path) =>
  requestParameters('get', path)
    .filter((p) => !PAGING.has(p.name))
    // type and types exclude each other; each is tried alone.
    .map((p) => [path, p.name, sampleValue(p.schema)] as [string, string, unknown]),
);

describe('request parameters from the spec', () => {
  it.each(filters)('GET %s accepts the filter %s', async (path, name, value) => {
    const response = await client().raw('get', path, { [name]: value });
    expect(response.body).not.toMatchObject({ error: { code: 'parameter_unknown' } });
    expect([200, 404]).toContain(response.status);
  });

  it.each(CREATE_ENDPOINTS)('POST %s without parameters names a parameter the spec requires', async (path) => {
    const required = requestParameters('post', path).filter((p) => p.required).map((p) => p.name);
    expect(required.length).toBeGreaterThan(0);
    const response = await client().raw('post', path, {});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_missing' } });
    expect(required).toContain((response.body as { error: { param: string } }).error.param);
  });

  it.each<[HttpMethod, string]>([
    ['get', '/v1/charges'],
    ['post', '/v1/customers'],
    ['get', '/v1/events'],
  ])('%s %s refuses a parameter the spec does not have, naming it', async (method, path) => {
    const response = await client().raw(method, path, { not_a_stripe_param: 'x' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'parameter_unknown', param: 'not_a_stripe_param' } });
  });
});
