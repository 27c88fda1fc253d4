import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../index.js';

export interface Received {
  body: string;
  signature: string;
  event: { id: string; type: string; data: { object: Record<string, unknown> } };
}

/** A real HTTP webhook receiver; `status` decides each answer (default 200). */
export interface Receiver {
  url: string;
  received: Received[];
  status: (received: Received, index: number) => number;
  /** How long the endpoint takes to answer (default 0): a slow endpoint, not a sleeping test. */
  delayMs: (received: Received, index: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], status: () => 200, delayMs: () => 0, close: async () => undefined };
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: Received = { body, signature: String(request.headers['stripe-signature'] ?? ''), event: JSON.parse(body) as Received['event'] };
      receiver.received.push(received);
      const index = receiver.received.length - 1;
      response.statusCode = receiver.status(received, index);
      const delay = receiver.delayMs(received, index);
      if (delay > 0) setTimeout(() => response.end('ok'), delay);
      else response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

export interface World {
  emulator: RunningEmulator;
  stripe: Stripe;
  close(): Promise<void>;
}

export async function startWorld(options: EmulatorOptions = {}): Promise<World> {
  const emulator = await startEmulator({ retryScheduleMs: [20, 40, 80], ...options });
  const stripe = new Stripe('sk_test_emulator', { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
  return { emulator, stripe, close: () => emulator.close() };
}

/** Creates a one-line-item session through the SDK. */
export function createSession(stripe: Stripe, overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Field guide' } }, quantity: 2 }],
    success_url: 'http://shop.test/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://shop.test/cancel',
    metadata: { order_id: 'ord_1' },
    payment_intent_data: { metadata: { order_id: 'ord_1' } },
    ...overrides,
  });
}

/** Posts the hosted page's form as a browser would, without following redirects. */
export async function submitHostedPage(sessionUrl: string, fields: Record<string, string>): Promise<Response> {
  return fetch(sessionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

export async function postJson(url: string, body: unknown = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Waits for a condition with a deadline (tests never sleep a fixed time). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
