import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import type Stripe from 'stripe';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { settledExpress } from '../../../src/adapters/express.js';
import { settledFastify } from '../../../src/adapters/fastify.js';
import { settledFetch } from '../../../src/adapters/fetch.js';
import { createLogger } from '../../../src/logging.js';
import { createSettled, type Settled } from '../../../src/settled.js';
import { createStripeClient } from '../../../src/stripe/gateway.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { OutboxNotice } from '../../../src/worker/outbox-dispatcher.js';
import { demoCatalog } from '../../support/catalog.js';

export type AdapterKind = 'fastify' | 'express' | 'express-after-json' | 'fetch';
export const ADAPTER_KINDS: readonly AdapterKind[] = ['fastify', 'express', 'express-after-json', 'fetch'];

/** A user's own app on a loopback port with settled mounted through one adapter under `basePath`. */
interface UserApp {
  readonly url: string;
  close(): Promise<void>;
}

const BASE_PATH = '/shop';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** The smallest Node bridge to a (Request) => Response handler, as Hono's or Next's servers provide. */
async function serveFetch(handler: (request: Request) => Promise<Response>): Promise<UserApp> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
      void handler(request).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
        res.end(Buffer.from(await response.arrayBuffer()));
      });
    });
  });
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}

async function mount(kind: AdapterKind, settled: Settled): Promise<UserApp> {
  if (kind === 'fastify') {
    const app = Fastify();
    app.get('/', async () => ({ mine: true }));
    await app.register(settledFastify, { settled, prefix: BASE_PATH });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  }
  if (kind === 'fetch') {
    const handler = settledFetch(settled, { basePath: BASE_PATH });
    return serveFetch(handler);
  }
  const app = express();
  // The mistake the guides warn about: a global JSON parser ahead of the webhook route.
  if (kind === 'express-after-json') app.use(express.json());
  app.use(BASE_PATH, settledExpress(settled));
  app.post('/echo', express.json(), (req, res) => void res.json({ echoed: req.body as unknown }));
  const server = createServer(app);
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}

export interface Host {
  readonly kind: AdapterKind;
  /** Where settled answers: the app's URL plus the mount path. */
  readonly url: string;
  readonly appUrl: string;
  readonly stripe: Stripe;
  readonly store: Store;
  readonly settled: Settled;
  readonly emulator: RunningEmulator;
  readonly webhookSecret: string;
  readonly notices: OutboxNotice[];
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  quiesce(): Promise<void>;
  close(): Promise<void>;
}

/** A shop mounted through the adapter; on its own SQLite file unless a store is given (which it then leaves open). */
export async function startHost(kind: AdapterKind, options: { readonly store?: Store } = {}): Promise<Host> {
  const dir = await mkdtemp(join(tmpdir(), 'settled-adapter-'));
  const store = options.store ?? (await openStore({ kind: 'sqlite', path: join(dir, 'settled.db') }));
  const emulator = await startEmulator({ retryScheduleMs: [20, 40, 80, 160, 320, 640] });
  const stripe = createStripeClient({ secretKey: 'sk_test_adapters', apiBase: emulator.url });
  let secrets: readonly string[] = [];
  let publicUrl = 'http://127.0.0.1';
  const notices: OutboxNotice[] = [];
  const settled = await createSettled({
    store,
    stripe,
    webhookSecrets: () => secrets,
    catalog: demoCatalog(),
    orderRefSecret: 'adapter-order-ref-secret-0123456789abcdef',
    publicUrl: () => publicUrl,
    logger: createLogger({ level: 'silent' }),
    worker: { pollIntervalMs: 25, backoff: { baseMs: 10, maxMs: 100 } },
    onFulfilled: (notice) => void notices.push(notice),
    onEntitlementChanged: (notice) => void notices.push(notice),
  });
  const app = await mount(kind, settled);
  publicUrl = `${app.url}${BASE_PATH}`;
  const endpoint = await stripe.webhookEndpoints.create({ url: `${publicUrl}/api/webhooks/stripe`, enabled_events: ['*'] });
  const webhookSecret = endpoint.secret ?? '';
  secrets = [webhookSecret];
  settled.start();

  async function quiesce(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!(await emulator.settle(5_000))) throw new Error('emulator deliveries did not settle');
      const processed = await settled.worker.drain();
      const sent = await settled.outbox.drain();
      const { counts } = await store.inbox.stats();
      const unsent = (await store.outbox.list({ limit: 500 })).filter((m) => m.status === 'pending' || m.status === 'processing');
      const busy = counts.pending + counts.processing + unsent.length;
      if (processed === 0 && sent === 0 && busy === 0) return;
      if (busy > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('settled did not quiesce');
  }

  return {
    kind,
    url: publicUrl,
    appUrl: app.url,
    stripe,
    store,
    settled,
    emulator,
    webhookSecret,
    notices,
    async request(method, path, body) {
      const response = await fetch(`${publicUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
    },
    quiesce,
    async close() {
      await settled.close();
      await app.close();
      await emulator.close();
      if (options.store === undefined) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
