import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { intakeOnlyOptions, listenOnLoopback } from '../../support/intake-app.js';

const SECRET = 'whsec_shutdownTest';
const signer = new Stripe('sk_test_signer');

let settled: Settled | undefined;
let store: Store | undefined;
const sockets: Socket[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await settled?.close();
  settled = undefined;
  await store?.close();
  store = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ settled: Settled; store: Store; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'settled-http-shutdown-'));
  dirs.push(dir);
  store = await openStore({ kind: 'sqlite', path: join(dir, 'settled.sqlite') });
  settled = await createSettled(intakeOnlyOptions(store, SECRET));
  const url = await listenOnLoopback(settled);
  return { settled, store, port: Number(new URL(url).port) };
}

function signedEvent(id: string): { body: string; signature: string } {
  // A type settled stores but does not act on: the test is about the answer and the inbox, not about orders.
  const body = JSON.stringify({ id, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_1' } } });
  return { body, signature: signer.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) };
}

function webhookRequestHead(event: { body: string; signature: string }): string {
  return [
    'POST /api/webhooks/stripe HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(event.body)}`,
    `Stripe-Signature: ${event.signature}`,
    '',
    '',
  ].join('\r\n');
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits what a keep-alive connection received into its responses (each with a Content-Length). */
function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) throw new Error(`incomplete response: ${rest.toString('utf8')}`);
    const [statusLine = '', ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(bodyStart, bodyStart + length).toString('utf8') });
    rest = rest.subarray(bodyStart + length);
  }
  return responses;
}

function openConnection(port: number): Promise<{ socket: Socket; received: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const received = new Promise<Buffer>((done, failed) => {
      socket.on('close', () => done(Buffer.concat(chunks)));
      socket.on('error', failed);
    });
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Holds a connection busy (a webhook whose body is only half sent) while close begins, so the connection is not
 * reaped as idle; then finishes that body and pipelines `next` on the same connection, which arrives mid-shutdown.
 */
async function requestDuringShutdown(next: string): Promise<{ first: RawResponse; refused: RawResponse; firstEventId: string }> {
  const { settled: app, port } = await start();
  const firstEventId = 'evt_before_close';
  const first = signedEvent(firstEventId);
  const { socket, received } = await openConnection(port);
  const requestSeen = new Promise<void>((resolve) => app.app.server.once('request', () => resolve()));
  const half = Math.floor(first.body.length / 2);
  socket.write(webhookRequestHead(first) + first.body.slice(0, half));
  await requestSeen;

  const closed = app.close();
  await until(() => !app.app.server.listening, 'the server to stop listening');
  socket.write(first.body.slice(half) + next);
  const responses = parseResponses(await received);
  await closed;
  settled = undefined;
  expect(responses).toHaveLength(2);
  const [answered, refused] = responses as [RawResponse, RawResponse];
  return { first: answered, refused, firstEventId };
}

function expectShuttingDownAnswer(response: RawResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.headers.connection).toBe('close');
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as unknown;
  expect(body).toEqual({ error: { code: 'shutting_down', message: expect.stringMatching(/shutting down.*Try again/) as unknown } });
}

it('a webhook arriving on an open connection after close began gets 503 shutting_down, Retry-After and Connection: close, and is not stored', async () => {
  const late = signedEvent('evt_during_close');
  const { first, refused, firstEventId } = await requestDuringShutdown(webhookRequestHead(late) + late.body);

  // The request that was already in flight is finished and acknowledged; the late one is left for Stripe to retry.
  expect(first.status).toBe(200);
  expect(first.headers.connection).not.toBe('close');
  expectShuttingDownAnswer(refused);
  expect(await store?.inbox.get(firstEventId)).toBeDefined();
  expect(await store?.inbox.get('evt_during_close')).toBeUndefined();
});

it('a page request arriving during shutdown gets the same JSON answer, as every other error does', async () => {
  const { first, refused } = await requestDuringShutdown('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n');
  expect(first.status).toBe(200);
  expectShuttingDownAnswer(refused);
});

it('a new connection after close began is refused outright, which a client or Stripe also retries', async () => {
  const { settled: app, port } = await start();
  const { socket, received } = await openConnection(port);
  // A busy connection keeps close waiting, so there is time to try another one.
  const requestSeen = new Promise<void>((resolve) => app.app.server.once('request', () => resolve()));
  const event = signedEvent('evt_busy');
  socket.write(webhookRequestHead(event) + event.body.slice(0, 10));
  await requestSeen;
  const closed = app.close();
  await until(() => !app.app.server.listening, 'the server to stop listening');

  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

  socket.write(event.body.slice(10));
  const [answer] = parseResponses(await received);
  expect(answer?.status).toBe(200);
  await closed;
  settled = undefined;
});
