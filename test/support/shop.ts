import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { startEmulator, type ChaosOptions, type RunningEmulator } from '../../emulator/index.js';
import { createLogger } from '../../src/logging.js';
import { createSettled, type Settled, type SettledOptions } from '../../src/settled.js';
import { createStripeClient } from '../../src/stripe/gateway.js';
import type { Store } from '../../src/store/index.js';
import type { ConfirmationSender } from '../../src/notify/sender.js';
import type { OutboxNotice } from '../../src/worker/outbox-dispatcher.js';
import { demoCatalog } from './catalog.js';
import { payOnHostedPage } from './hosted-page.js';

export interface Shop {
  readonly url: string;
  readonly emulator: RunningEmulator;
  /** The SDK pointed at the emulator, as settled itself uses it (unless stripeApiBase put something between them). */
  readonly stripe: Stripe;
  readonly settled: Settled;
  readonly webhookSecret: string;
  readonly notices: OutboxNotice[];
  /** POST JSON to settled; returns status and parsed body. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Starts a checkout for one item of each sku given, returns what the API answered. */
  checkout(items?: { sku: string; quantity: number }[]): Promise<{ orderId: string; sessionId: string; checkoutUrl: string }>;
  /** Submits the emulator's hosted page as a buyer's browser would; returns status and redirect. */
  pay(checkoutUrl: string, cardNumber: string): Promise<{ status: number; location: string | null; html: string }>;
  /** Approves or fails the 3D Secure page the emulator redirected to. */
  authenticate(location: string, action: 'approve' | 'fail'): Promise<{ status: number; location: string | null }>;
  /** Waits until every webhook has been delivered and settled has processed everything it stored. */
  quiesce(): Promise<void>;
  order(orderId: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface ShopOptions {
  readonly store: Store;
  /** Any catalog source createSettled takes; the demo catalog by default. */
  readonly catalog?: SettledOptions['catalog'];
  readonly accessUrl?: SettledOptions['accessUrl'];
  readonly chaos?: ChaosOptions;
  readonly emulator?: RunningEmulator;
  /** Turns on the operator dashboard with this token. */
  readonly adminToken?: string;
  /** Sends buyer confirmations through this sender (none by default, as in the library). */
  readonly confirmations?: ConfirmationSender;
  /** Where settled's SDK reaches the emulator, e.g. a TcpRelay in front of it (the test's own `stripe` goes direct). */
  readonly stripeApiBase?: string;
  readonly stripeBudget?: SettledOptions['stripeBudget'];
  /** Sidecar mode: the API keys of /api/v1/ and where status changes are posted. */
  readonly apiKeys?: readonly string[];
  readonly notify?: SettledOptions['notify'];
}

export async function startShop(options: ShopOptions): Promise<Shop> {
  const emulator = options.emulator ?? (await startEmulator({ retryScheduleMs: [20, 40, 80, 160, 320, 640], chaos: options.chaos }));
  const stripe = createStripeClient({ secretKey: 'sk_test_shop', apiBase: emulator.url });
  let secrets: readonly string[] = [];
  let publicUrl = 'http://127.0.0.1';
  const notices: OutboxNotice[] = [];
  const settled = await createSettled({
    store: options.store,
    stripe: options.stripeApiBase === undefined ? stripe : createStripeClient({ secretKey: 'sk_test_shop', apiBase: options.stripeApiBase }),
    stripeBudget: options.stripeBudget,
    webhookSecrets: () => secrets,
    catalog: options.catalog ?? demoCatalog(),
    accessUrl: options.accessUrl,
    orderRefSecret: 'test-order-ref-secret-0123456789abcdef',
    publicUrl: () => publicUrl,
    logger: createLogger({ level: 'silent' }),
    adminToken: options.adminToken,
    worker: { pollIntervalMs: 25, backoff: { baseMs: 10, maxMs: 100 } },
    // Every test buyer shares 127.0.0.1; the limiter has tests of its own.
    rateLimits: { buyerPerMinute: 100_000, webhookRejectedPerMinute: 1_000_000 },
    confirmations: options.confirmations,
    apiKeys: options.apiKeys,
    notify: options.notify,
    onFulfilled: (notice) => void notices.push(notice),
    onEntitlementChanged: (notice) => void notices.push(notice),
  });
  await settled.app.listen({ port: 0, host: '127.0.0.1' });
  publicUrl = `http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`;
  const endpoint = await stripe.webhookEndpoints.create({ url: `${publicUrl}/api/webhooks/stripe`, enabled_events: ['*'] });
  const webhookSecret = endpoint.secret ?? '';
  secrets = [webhookSecret];
  settled.start();

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${publicUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function quiesce(): Promise<void> {
    // Deliveries lead to processing and processing to outbox messages; wait until all three are still.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!(await emulator.settle(10_000))) throw new Error('emulator deliveries did not settle in 10 s');
      const processed = await settled.worker.drain();
      const sent = await settled.outbox.drain();
      const { counts } = await options.store.inbox.stats();
      const unsent = (await options.store.outbox.list({ limit: 500 })).filter((m) => m.status === 'pending' || m.status === 'processing');
      const busy = counts.pending + counts.processing + unsent.length;
      if (processed === 0 && sent === 0 && busy === 0) return;
      // The background worker holds a claim, or an event waits for its backoff: give it a moment.
      if (busy > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stuck = (await options.store.inbox.list({ limit: 20 })).filter((e) => e.status !== 'processed' && e.status !== 'ignored');
    throw new Error(`settled did not quiesce: ${JSON.stringify(stuck.map((e) => [e.id, e.type, e.status, e.attempts, e.lastError]))}`);
  }

  return {
    url: publicUrl,
    emulator,
    stripe,
    settled,
    webhookSecret,
    notices,
    api,
    async checkout(items = [{ sku: 'field-notes', quantity: 1 }]) {
      const { status, body } = await api<{ orderId: string; sessionId: string; checkoutUrl: string }>('POST', '/api/checkout', { items });
      if (status !== 201) throw new Error(`checkout answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    pay: (checkoutUrl, cardNumber) => payOnHostedPage(checkoutUrl, cardNumber),
    async authenticate(location, action) {
      const target = new URL(location, emulator.url);
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action }).toString(),
        redirect: 'manual',
      });
      await response.text();
      return { status: response.status, location: response.headers.get('location') };
    },
    quiesce,
    async order(orderId) {
      const { status, body } = await api<Record<string, unknown>>('GET', `/api/orders/${orderId}`);
      if (status !== 200) throw new Error(`order ${orderId} answered ${status}`);
      return body;
    },
    async close() {
      await settled.close();
      if (!options.emulator) await emulator.close();
    },
  };
}
