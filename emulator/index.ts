import { DEFAULT_API_VERSION } from './api-versions.js';
import type { ChaosOptions } from './chaos.js';
import { Clock } from './clock.js';
import { DEFAULT_SETTLE_TIMEOUT_MS, registerControl } from './control.js';
import { registerDeliveryPage } from './delivery-page.js';
import { DEFAULT_RETRY_SCHEDULE_MS, Delivery, type DeliveryAttempt } from './delivery.js';
import { Faults, type FaultStatus } from './faults.js';
import { registerHostedPage } from './hosted-page.js';
import { causeOf } from './http.js';
import { IdempotencyCache } from './idempotency.js';
import { newSecret } from './ids.js';
import { registerListeners } from './listeners.js';
import { registerCharges } from './resources/charges.js';
import { registerCheckoutSessions } from './resources/checkout-sessions.js';
import { registerCustomers } from './resources/customers.js';
import { registerDisputes } from './resources/disputes.js';
import { registerEvents } from './resources/events.js';
import { registerPaymentIntents } from './resources/payment-intents.js';
import { registerPaymentMethods } from './resources/payment-methods.js';
import { registerPrices } from './resources/prices.js';
import { registerProducts } from './resources/products.js';
import { registerRefunds } from './resources/refunds.js';
import { registerWebhookEndpoints } from './resources/webhook-endpoints.js';
import { applySeed, type SeedData } from './seed.js';
import { buildServer } from './server.js';
import { State, type EventRecord } from './state.js';
import { World } from './world.js';

export type { ChaosOptions } from './chaos.js';
export type { DeliveryAttempt, DeliveryFailure, DeliveryNotice } from './delivery.js';
export type { FaultStatus } from './faults.js';
export type { EventRecord } from './state.js';
export type { SeedData } from './seed.js';
export { signPayload, DEFAULT_RETRY_SCHEDULE_MS } from './delivery.js';
export { TEST_CARDS, TEST_IBANS } from './test-cards.js';

export interface EmulatorOptions {
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Webhook retry delays in ms; default Stripe-like (5 min, 30 min, 2 h), compress in tests, e.g. [50, 100, 200]. */
  retryScheduleMs?: number[];
  /** How long an endpoint has to answer a delivery; default 10 000 ms. */
  deliveryTimeoutMs?: number;
  chaos?: ChaosOptions;
  logger?: boolean;
  /** Emulated seconds after which a delayed (SEPA) payment settles; default 10. */
  asyncSettleSeconds?: number;
  /**
   * As Stripe's Checkout does, hold the buyer's redirect to success_url until every endpoint has answered (or failed)
   * its first checkout.session.completed delivery, up to this many ms. Default 0: redirect at once, which is the
   * harder case for a shop (landing before the webhook).
   */
  checkoutWebhookWaitMs?: number;
  /** The base URL buyers' browsers use for session.url and 3D Secure pages (default: the listening URL). */
  publicUrl?: string;
  /** The account's default API version, for requests without `Stripe-Version` (default: stripe-node 23's). */
  apiVersion?: string;
  /** The account's country (default US): it decides which payment method types are available. */
  accountCountry?: string;
  /** The signing secret of `listen` endpoints (default: a fresh `whsec_…` per start), so an app's .env can keep it. */
  listenSecret?: string;
  /** Products, prices and customers that exist from the start and again after every reset, ids kept. */
  seed?: SeedData;
}

export interface RunningEmulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The signing secret of `listen` endpoints. */
  listenSecret: string;
  port: number;
  close(): Promise<void>;
  /** Waits until no webhook delivery is scheduled or in flight (paused ones excepted). Resolves false on timeout. */
  settle(timeoutMs?: number): Promise<boolean>;
  /** Moves the emulated clock forward, firing session expiries, async settlements and due retries. */
  advanceClock(seconds: number): void;
  /** Forgets every object, event, delivery, idempotency key and injected fault; the clock returns to real time and delivery un-pauses; chaos stays. */
  reset(): void;
  pauseWebhooks(): void;
  /** Delivers the events held while paused. */
  resumeWebhooks(): void;
  setChaos(chaos: ChaosOptions | undefined): void;
  deliveries(): DeliveryAttempt[];
  events(): EventRecord[];
  /** The next `count` API requests (under `pathPrefix`, default `/v1/`) fail with `status` (409, 429, 500 or 503). */
  failNext(status: FaultStatus, count?: number, pathPrefix?: string): void;
}

const CLOSE_GRACE_MS = 250;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const state = new State();
  const clock = new Clock();
  const delivery = new Delivery(state, clock, {
    retryScheduleMs: options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    ...(options.chaos ? { chaos: options.chaos } : {}),
  });
  const world = new World(state, clock, delivery, {
    asyncSettleSeconds: options.asyncSettleSeconds ?? 10,
    checkoutWebhookWaitMs: options.checkoutWebhookWaitMs ?? 0,
    apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
    accountCountry: (options.accountCountry ?? 'US').toUpperCase(),
  });
  const idempotency = new IdempotencyCache();
  const faults = new Faults();
  const reset = (): void => {
    faults.clear();
    state.clear();
    clock.reset();
    delivery.reset();
    idempotency.clear();
    if (options.seed) applySeed(world, options.seed);
  };

  const app = buildServer({ logger: options.logger ?? false, idempotency, faults });
  // Every API answer is rendered in the request's API version (the stored objects are today's shapes).
  app.addHook('preSerialization', async (request, _reply, payload) => (request.url.startsWith('/v1/') ? world.render(payload, world.versionOf(causeOf(request))) : payload));
  registerCustomers(app, world);
  registerProducts(app, world);
  registerPrices(app, world);
  registerCheckoutSessions(app, world);
  registerPaymentIntents(app, world);
  registerPaymentMethods(app, world);
  registerCharges(app, world);
  registerRefunds(app, world);
  registerDisputes(app, world);
  registerEvents(app, world);
  registerWebhookEndpoints(app, world);
  registerHostedPage(app, world);
  registerControl(app, world, faults, reset);
  registerListeners(app, world);
  registerDeliveryPage(app, world);

  if (options.seed) applySeed(world, options.seed);
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 0;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  world.baseUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  world.listenSecret = options.listenSecret ?? newSecret('whsec');

  return {
    url,
    listenSecret: world.listenSecret,
    port,
    close: async () => {
      clock.stop();
      // Requests in flight get a moment to finish; a client's idle socket (a listen stream's fetch) would hold close for seconds.
      const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
    },
    settle: (timeoutMs = DEFAULT_SETTLE_TIMEOUT_MS) => delivery.waitIdle(timeoutMs),
    advanceClock: (seconds) => clock.advance(seconds),
    reset,
    pauseWebhooks: () => delivery.pause(),
    resumeWebhooks: () => delivery.resume(),
    setChaos: (chaos) => void delivery.setChaos(chaos),
    deliveries: () => delivery.attempts(),
    events: () => state.events.newestFirst(),
    failNext: (status, count = 1, pathPrefix = '/v1/') => faults.add(status, count, pathPrefix),
  };
}
