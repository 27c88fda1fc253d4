import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { AccessDeps, AccessUrlBuilder } from './operations/access.js';
import type { CheckoutDeps } from './operations/checkout.js';
import type { CatalogOption } from './operations/price-sources.js';
import type { WebhookIntake } from './ingest/webhook.js';
import type { RateLimits } from './http/security.js';
import type { SettledMetrics } from './metrics.js';
import type { ReconcileReport, ReconcileSettings } from './reconcile/index.js';
import type { StripeConnection, StripeGateway } from './stripe/gateway.js';
import type { OpenStoreOptions } from './store/index.js';
import type { Store } from './store/types.js';
import type { InboxWorker } from './worker/inbox-worker.js';
import type { OutboxDispatcher, OutboxNotice } from './worker/outbox-dispatcher.js';
import type { NotifySettings, ProcessingOptions } from './worker/processing.js';
import type { ConfirmationSender } from './notify/sender.js';
import type { VerifyResult, VerifyTarget } from './operations/verify.js';

export interface SettledOptions {
  /**
   * Where orders and events live: an opened Store (yours to close), or how to open one — a SQLite path, a
   * PostgreSQL URL or your own pg.Pool (then createSettled closes it with close()). Migrations run either way.
   */
  readonly store: Store | OpenStoreOptions;
  /**
   * The official SDK client, or a key (and optionally another API base). settled sets each request's timeout and
   * network retries itself (see stripeBudget), whatever the client was configured with.
   *
   * For development, `{ emulator: true }` does what `npm start` does: it starts settled's Stripe emulator in this
   * process (closed by close()), registers the webhook endpoint at `<publicUrl>/api/webhooks/stripe` and uses its
   * secret; `{ emulator: 'http://127.0.0.1:12111' }` does the same with an emulator already running there.
   * webhookSecrets is then not needed. publicUrl is read once, here, for the endpoint: it must already say where
   * the app will listen.
   */
  readonly stripe: Stripe | StripeConnection | { readonly emulator: true | string };
  /**
   * How long one Stripe call may take, every retry and back-off included, before it fails. `requestMs` (default
   * 10 000) bounds the calls someone waits on (checkout, payment intents, verify, the dashboard's refund); they then
   * answer `502 stripe_unavailable` with `Retry-After`. `backgroundMs` (default 60 000) bounds the worker's lookups,
   * revalidation and reconciliation, which retry later on their own.
   */
  readonly stripeBudget?: { readonly requestMs?: number; readonly backgroundMs?: number };
  /** Several during rotation; a function lets them change without a restart. Required unless `stripe.emulator`. */
  readonly webhookSecrets?: readonly string[] | (() => readonly string[]);
  /**
   * Where prices come from, always on the server: a static catalog (the object, or `{ path }` of its JSON file);
   * your own async function `(items) => ({ items: [{ sku, name, unitAmount, currency }] })` or
   * `({ refuse: { code, message } })`, called for every order; or `{ stripePrices: {} }`, where skus are Stripe
   * Price ids or lookup keys and amounts are read from Stripe (cached for `maxAgeMs`, at most `maxEntries`).
   */
  readonly catalog: CatalogOption;
  /**
   * The buyer's access link (accessUrl in GET /api/orders/:id, the notices and the confirmation) for an order that
   * may use it. Default: settled's /access/<token> page when the static catalog has resources, else none.
   */
  readonly accessUrl?: AccessUrlBuilder;
  /** Keys the HMAC in metadata.order_ref; keep it secret and stable. */
  readonly orderRefSecret: string;
  /** Where buyers reach this app: success and cancel URLs are built from it. */
  readonly publicUrl: string | (() => string);
  readonly logger?: Logger;
  /** Runs at least once per fulfilled order, outside the request; use notice.idempotencyKey. */
  readonly onFulfilled?: (notice: OutboxNotice) => Promise<void> | void;
  /**
   * Sends each buyer a confirmation (order, total, access link) when the order is fulfilled, through the outbox:
   * retried on failure and keyed by the order id. None unless given (`settled serve` gives the file or SMTP sender).
   */
  readonly confirmations?: ConfirmationSender;
  /** Runs at least once when an entitlement is revoked (full refund, dispute) or restored. */
  readonly onEntitlementChanged?: (notice: OutboxNotice) => Promise<void> | void;
  /**
   * Sidecar mode: POST each change of an order's status, signed as Stripe signs (`Settled-Signature`), to the shop's
   * backend at `url`, through the outbox (retried for about three days). Without it the changes are only pulled.
   */
  readonly notify?: NotifySettings;
  /** Sidecar mode: the keys (several during rotation) that open the server-to-server API under /api/v1/; none: it is off. */
  readonly apiKeys?: readonly string[];
  readonly toleranceSeconds?: number;
  readonly worker?: {
    /** Run the inbox worker and outbox dispatcher in this process (default true). */
    readonly enabled?: boolean;
    readonly pollIntervalMs?: number;
    readonly maxAttempts?: number;
    /** How long a claim is held before another process may take it over (after a crash); default 60 s. */
    readonly leaseMs?: number;
    readonly backoff?: { baseMs: number; maxMs: number };
    /** Each queue's batch size, gather wait, lanes, lease, poll interval, attempts and backoff, over the ones above and DEFAULTS. */
    readonly queues?: ProcessingOptions['queues'];
  };
  readonly verifyWaitMs?: number;
  /** Signs operators in to /admin; without it the dashboard says how to turn it on. */
  readonly adminToken?: string;
  /** Revalidation mode: re-read each event's object from Stripe before applying it (one API read per event). */
  readonly revalidate?: boolean;
  /** Reconcile with Stripe in this process: at start() and then every intervalMs (0 or absent: only on request). */
  readonly reconcile?: Partial<ReconcileSettings> & { readonly intervalMs?: number };
  /**
   * Per client address per minute; defaults: 120 requests on buyer routes, 60 refused webhook requests (a verified
   * delivery is never counted nor refused).
   */
  readonly rateLimits?: RateLimits;
  /** Trust X-Forwarded-For from a proxy in front (only then is the client address the buyer's). */
  readonly trustProxy?: boolean;
  /**
   * Accept webhooks only from these addresses or CIDR blocks (e.g. STRIPE_WEBHOOK_IPS, Stripe's published
   * list). The signature is what proves an event; this only turns away everyone else sooner.
   */
  readonly webhookSources?: readonly string[];
  readonly now?: () => number;
}

export interface Settled {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Stripe for the request path (its budget is stripeBudget.requestMs). */
  readonly gateway: StripeGateway;
  readonly worker: InboxWorker;
  readonly outbox: OutboxDispatcher;
  readonly intake: WebhookIntake;
  /** This instance's Prometheus registry and hooks (served at GET /metrics). */
  readonly metrics: SettledMetrics;
  /** What the checkout operation needs (price source, gateway, store, public URL); the framework adapters use it. */
  readonly checkout: CheckoutDeps;
  /** What the access link and /access/:token need; the framework adapters use it. */
  readonly access: AccessDeps;
  /** The emulator `stripe: { emulator }` connected to (its URL), else undefined. */
  readonly emulator: { readonly url: string } | undefined;
  verify(target: VerifyTarget): Promise<VerifyResult>;
  /** One reconciliation now: Events API since the cursor and the stale-order sweep, through the inbox. */
  reconcile(): Promise<ReconcileReport>;
  /** Starts the background worker and outbox dispatcher (unless disabled). */
  start(): void;
  /** Stops background work and the HTTP app; closes the store only if createSettled opened it. */
  close(): Promise<void>;
}

