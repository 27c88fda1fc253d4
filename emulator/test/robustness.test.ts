import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from './helpers.js';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

const KEYS = ['mode', 'line_items', 'line_items[0]', 'line_items[0][quantity]', 'line_items[0][price]', 'line_items[0][price_data][currency]',
  'line_items[0][price_data][unit_amount]', 'line_items[0][price_data][product_data][name]', 'metadata', 'metadata[a]', 'expand[]',
  'expires_at', 'amount', 'currency', 'payment_method', 'confirm', 'limit', 'starting_after', 'created[gte]', 'types[]', 'enabled_events[]', 'url', 'evidence[uncategorized_text]', 'x[y][z]'];
const VALUES = fc.oneof(fc.constantFrom('', 'payment', 'usd', '1', '-1', '100', 'true', 'abc', 'pm_card_visa', 'http://127.0.0.1:1/x', '*', '99999999999999999999'), fc.string({ maxLength: 8 }));
const PATHS = ['/v1/checkout/sessions', '/v1/payment_intents', '/v1/refunds', '/v1/webhook_endpoints', '/v1/customers', '/v1/prices', '/v1/products'];

describe('robustness', () => {
  it('any mix of known and odd form parameters gets a 2xx or a Stripe-shaped 4xx, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), fc.constantFrom('GET', 'POST'), fc.array(fc.tuple(fc.constantFrom(...KEYS), VALUES), { maxLength: 6 }), async (path, method, pairs) => {
        const body = new URLSearchParams(pairs).toString();
        const response = await fetch(method === 'GET' ? `${world.emulator.url}${path}?${body}` : `${world.emulator.url}${path}`, {
          method,
          headers: { authorization: 'Bearer sk_test_fuzz', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(method === 'POST' ? { body } : {}),
        });
        const json = (await response.json()) as { error?: { type: string; message: string } };
        expect(response.status, `${method} ${path} ${body}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(Object.keys(json)).toEqual(['error']);
          expect(json.error?.type).toBe('invalid_request_error');
          expect(json.error?.message).toBeTruthy();
        }
      }),
      { numRuns: 150 },
    );
  });
});
