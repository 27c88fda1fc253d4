import { Writable } from 'node:stream';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { demoCatalog } from '../../support/catalog.js';

const WEBHOOK_SECRET = 'whsec_fuzzSecretThatMu';
const ORDER_REF_SECRET = 'order-ref-secret-that-must-never-leak-42';
const STRIPE_KEY = 'sk_test_fuzzKeyThatMustNeverLeak99';
const SECRETS = [WEBHOOK_SECRET, ORDER_REF_SECRET, STRIPE_KEY];
const signer = new Stripe('sk_test_signer');

let emulator: RunningEmulator;
let store: Store;
let settled: Settled;
let base: string;
let dir: string;
const logLines: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'settled-fuzz-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'fuzz.sqlite') });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  settled = await createSettled({
    store,
    stripe: createStripeClient({ secretKey: STRIPE_KEY, apiBase: emulator.url }),
    webhookSecrets: [WEBHOOK_SECRET],
    catalog: demoCatalog(),
    orderRefSecret: ORDER_REF_SECRET,
    publicUrl: 'http://shop.test',
    logger: createLogger({ level: 'debug', destination: sink }),
    worker: { enabled: false },
    rateLimits: { buyerPerMinute: 1_000_000, webhookRejectedPerMinute: 1_000_000 },
  });
  await settled.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await settled.close();
  await store.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rowCounts(): Promise<string> {
  const stats = await store.inbox.stats();
  const orders = await store.orders.list({ limit: 10_000 });
  return JSON.stringify({ inbox: stats.counts, orders: orders.length });
}

/** Sends the request and checks what must hold for any input: no 5xx, our error shape on 4xx, no secret. */
async function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<number> {
  const response = await fetch(`${base}${path}`, { method, body: init.body, headers: init.headers, redirect: 'manual' });
  const text = await response.text();
  expect(response.status, `${method} ${path} → ${response.status}: ${text.slice(0, 200)}`).toBeLessThan(500);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  if (response.status >= 400 && (response.headers.get('content-type') ?? '').includes('json')) {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof parsed.error?.code).toBe('string');
    expect(typeof parsed.error?.message).toBe('string');
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
  }
  return response.status;
}

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '{"items":', '{"items":[{"sku":"field-notes","quantity":1}]', 'null', '[]', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'),
  fc.nat({ max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constantFrom('{"items":[{"sku":"field-notes","quantity":1e308}]}', '{"items":[{"sku":"field-notes","quantity":-1}]}', '{"items":[{"sku":"field-notes","quantity":9007199254740993}]}', '{"items":[{"sku":"field-notes","quantity":1,"quantity":2}],"items":[]}', '{"items":[{"sku":"field-notes\\u0000","quantity":1}]}', '{"items":[{"sku":"\\ud800","quantity":1}]}'),
);

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '');

describe('hostile input never gets in, never breaks anything, never leaks', () => {
  it('malformed bodies to every JSON endpoint are refused with 4xx and change nothing', async () => {
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/checkout', '/api/payment-intents', '/api/payments/verify'), jsonish, contentType, async (path, body, type) => {
        const status = await send('POST', path, { body, headers: type ? { 'content-type': type } : {} });
        if (status >= 400) expect(await rowCounts()).toBe(before);
      }),
      { numRuns: 600 },
    );
  });

  it('forged, stale, garbled and oversized webhook deliveries are refused and nothing is stored', async () => {
    const before = await rowCounts();
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.integer(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 })).map(([t, v]) => `t=${t},v1=${v}`),
      fc.constant('t=,v1='),
      fc.constant(`t=${Math.floor(Date.now() / 1000)},v0=abc,v1=`),
    );
    await fc.assert(
      fc.asyncProperty(jsonish, header, contentType, async (body, signature, type) => {
        const status = await send('POST', '/api/webhooks/stripe', { body, headers: { 'content-type': type || 'application/json', 'stripe-signature': signature } });
        expect(status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 600 },
    );
    // A correctly signed body that is too old, and one that is too large.
    const event = JSON.stringify({ id: 'evt_old', object: 'event', type: 'charge.succeeded', created: 1, data: { object: {} } });
    const stale = signer.webhooks.generateTestHeaderString({ payload: event, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(await send('POST', '/api/webhooks/stripe', { body: event, headers: { 'content-type': 'application/json', 'stripe-signature': stale } })).toBe(400);
    const huge = JSON.stringify({ id: 'evt_huge', padding: 'x'.repeat(1024 * 1024 + 10) });
    const hugeSig = signer.webhooks.generateTestHeaderString({ payload: huge, secret: WEBHOOK_SECRET });
    expect(await send('POST', '/api/webhooks/stripe', { body: huge, headers: { 'content-type': 'application/json', 'stripe-signature': hugeSig } })).toBe(413);
    expect(await rowCounts()).toBe(before);
  });

  it('odd ids and tokens in paths and queries get 4xx pages, never a 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.constantFrom('..', '%2e%2e%2f', '%00', 'ord_' + 'A'.repeat(22), 'a'.repeat(5000), '%F0%9F%92%A9', '%ZZ', "'; drop table orders; --"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/orders/', '/access/', '/success?session_id=', '/cancel?order_id='), segment, async (prefix, raw) => {
        await send('GET', `${prefix}${raw.startsWith('%') || raw.includes('%') ? raw : encodeURIComponent(raw)}`);
      }),
      { numRuns: 400 },
    );
  });

  it('truncated requests and lying Content-Length are answered or dropped without harm', async () => {
    const before = await rowCounts();
    const { port } = new URL(base);
    const raw = [
      'POST /api/checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"items":',
      'POST /api/webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"id":"evt_1"}',
      'POST /api/checkout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n',
      'GET /api/catalog HTTP/1.1\r\nHost: x\r\n' + 'X-Junk: y\r\n'.repeat(2000) + '\r\n',
    ];
    for (const request of raw) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
        socket.write(request);
        // A half-sent request is abandoned after a moment, as a broken client would.
        setTimeout(() => socket.destroy(), 300);
      });
      const status = Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      expect(status === 0 || status < 500, answer.slice(0, 120)).toBe(true);
    }
    expect((await fetch(`${base}/api/catalog`)).status).toBe(200);
    expect(await rowCounts()).toBe(before);
  });

  it('no log line carries a secret or an access token', async () => {
    const token = 'TokenThatMustNotBeLogged0123456789';
    await send('GET', `/access/${token}`);
    expect(logLines.length).toBeGreaterThan(100);
    expect(logLines.join('')).not.toContain(token);
    for (const line of logLines) for (const secret of SECRETS) expect(line).not.toContain(secret);
  });
});
