import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'qs';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { conformanceProblems } from './conformance.js';
import type { HttpMethod } from './openapi.js';
import { operationExists, pathTemplateFor } from './openapi.js';

/**
 * A running emulator with two clients that record every exchange: the official SDK (through a
 * recording fetch) and plain HTTP with Stripe's form encoding. Every recorded response is checked
 * against the spec and the fixtures as it arrives; `expectAllConform()` fails with all problems.
 */

export const API_KEY = 'sk_test_conformance';

export interface Exchange {
  method: HttpMethod;
  /** Path with query string, as sent. */
  path: string;
  status: number;
  headers: Headers;
  body: unknown;
  problems: string[];
}

export interface ConformanceClient {
  stripe: Stripe;
  /** Another recording SDK client for the same emulator, with its own API key. */
  sdk(apiKey: string): Stripe;
  url: string;
  port: number;
  exchanges: Exchange[];
  /** Throws listing every response since the previous call that broke the spec or a field set. */
  expectAllConform(): void;
  /** The most recent exchange, e.g. the one behind the SDK call just awaited. */
  last(): Exchange;
  raw(method: HttpMethod, path: string, params?: object, options?: RawOptions): Promise<Exchange>;
  /** A fetch that records (and so checks) every exchange, for clients other than the SDK. */
  fetch: typeof fetch;
  /** Moves the emulated clock (control endpoint): session expiries, async settlements, retries. */
  advanceClock(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export interface RawOptions {
  apiKey?: string | null;
  headers?: Record<string, string>;
}

function methodOf(value: string | undefined): HttpMethod {
  const lower = (value ?? 'GET').toLowerCase();
  if (lower === 'get' || lower === 'post' || lower === 'delete') return lower;
  throw new Error(`unexpected HTTP method ${value ?? ''}`);
}

const exercised = new Set<string>();

/** Every spec operation (`GET /v1/charges/{charge}`) any client in this process has called. */
export function exercisedOperations(): ReadonlySet<string> {
  return exercised;
}

/** Stripe answers every API call with JSON and a request id, which the SDK surfaces on errors and lastResponse. */
function headerProblems(headers: Headers): string[] {
  const problems: string[] = [];
  if (!(headers.get('content-type') ?? '').startsWith('application/json')) {
    problems.push(`content-type is ${headers.get('content-type') ?? 'absent'}, not application/json`);
  }
  if (!/^req_\w+$/.test(headers.get('request-id') ?? '')) problems.push(`request-id header is ${headers.get('request-id') ?? 'absent'}`);
  return problems;
}

async function record(exchanges: Exchange[], method: HttpMethod, url: string, response: Response): Promise<Exchange> {
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const { pathname, search } = new URL(url);
  let problems: string[];
  try {
    problems = conformanceProblems(method, pathname, response.status, body);
  } catch (error) {
    problems = [(error as Error).message];
  }
  problems.push(...headerProblems(response.headers));
  if (operationExists(method, pathname)) exercised.add(`${method.toUpperCase()} ${pathTemplateFor(method, pathname)}`);
  const exchange: Exchange = { method, path: `${pathname}${search}`, status: response.status, headers: response.headers, body, problems };
  exchanges.push(exchange);
  return exchange;
}

export function formEncode(params: object): string {
  return stringify(params, { arrayFormat: 'indices' });
}

export async function startConformanceClient(): Promise<ConformanceClient> {
  const emulator = await startEmulator();
  const exchanges: Exchange[] = [];
  let checkedUpTo = 0;
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    await record(exchanges, methodOf(init?.method ?? (input instanceof Request ? input.method : 'GET')), url, response);
    return response;
  };
  const sdk = (apiKey: string): Stripe =>
    new Stripe(apiKey, {
      host: '127.0.0.1',
      port: emulator.port,
      protocol: 'http',
      httpClient: Stripe.createFetchHttpClient(recordingFetch),
      // A retry would hide the first answer behind the second; conformance wants every answer.
      maxNetworkRetries: 0,
    });
  const stripe = sdk(API_KEY);

  const raw = async (method: HttpMethod, path: string, params: object = {}, options: RawOptions = {}): Promise<Exchange> => {
    const encoded = formEncode(params);
    const headers: Record<string, string> = { ...options.headers };
    const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey;
    if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
    let url = `${emulator.url}${path}`;
    let body: string | undefined;
    if (method === 'post') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = encoded;
    } else if (encoded !== '') {
      url += `${path.includes('?') ? '&' : '?'}${encoded}`;
    }
    const response = await fetch(url, { method: method.toUpperCase(), headers, body });
    return record(exchanges, method, url, response);
  };

  return {
    stripe,
    sdk,
    url: emulator.url,
    port: emulator.port,
    exchanges,
    last() {
      const exchange = exchanges.at(-1);
      if (exchange === undefined) throw new Error('no exchange recorded yet');
      return exchange;
    },
    raw,
    fetch: recordingFetch,
    async advanceClock(seconds) {
      const response = await fetch(`${emulator.url}/_emulator/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seconds }),
      });
      if (!response.ok) throw new Error(`advancing the emulator clock answered ${response.status}`);
    },
    expectAllConform() {
      const fresh = exchanges.slice(checkedUpTo);
      checkedUpTo = exchanges.length;
      const failing = fresh.filter((e) => e.problems.length > 0);
      if (failing.length === 0) return;
      const text = failing.map((e) => `${e.method.toUpperCase()} ${e.path} → ${e.status}:\n    ${e.problems.slice(0, 20).join('\n    ')}`);
      throw new Error(`${failing.length} of ${fresh.length} responses do not conform:\n  ${text.join('\n  ')}`);
    },
    close: () => emulator.close(),
  };
}

export interface ReceivedWebhook {
  rawBody: string;
  signature: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the first delivery (past or future) that matches, or rejects at the deadline. */
  waitFor(match: (event: Stripe.Event) => boolean, timeoutMs?: number): Promise<{ event: Stripe.Event; delivery: ReceivedWebhook }>;
  close(): Promise<void>;
}

/** A local HTTP endpoint that answers 200 to every delivery and keeps the raw bodies. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ rawBody: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature'] ?? '') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const find = (match: (event: Stripe.Event) => boolean) => {
    for (const delivery of received) {
      const event = JSON.parse(delivery.rawBody) as Stripe.Event;
      if (match(event)) return { event, delivery };
    }
    return undefined;
  };

  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    waitFor(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`)), timeoutMs);
        const check = () => {
          const found = find(match);
          if (found === undefined) {
            waiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve(found);
        };
        check();
      });
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

async function readAllEvents(client: ConformanceClient): Promise<void> {
  let startingAfter: string | undefined;
  for (;;) {
    const page = await client.raw('get', '/v1/events', { limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    const body = page.body as { data?: { id: string }[]; has_more?: boolean };
    const last = body.data?.at(-1);
    if (body.has_more !== true || last === undefined) return;
    startingAfter = last.id;
  }
}

/**
 * Registers the per-file lifecycle: one emulator for the file, and after every test a check of every
 * response that test received. Call at the top of a describe block; use the getter inside tests.
 */
export function useConformanceClient(): () => ConformanceClient {
  let client: ConformanceClient | undefined;
  beforeAll(async () => {
    client = await startConformanceClient();
  });
  afterEach(() => client?.expectAllConform());
  afterAll(async () => {
    if (client === undefined) return;
    try {
      // Every event the suite caused, read back through the Events API, is checked with its payload.
      await readAllEvents(client);
      client.expectAllConform();
    } finally {
      await client.close();
    }
  });
  return () => {
    if (client === undefined) throw new Error('the conformance client is not started');
    return client;
  };
}
