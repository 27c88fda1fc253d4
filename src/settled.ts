import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Catalog } from './domain/catalog.js';
import type { CheckoutDeps } from './checkout/start-checkout.js';
import { BatchedDeliveryLog, GroupCommitter } from './ingest/group-commit.js';
import { verifyPayment, type VerifyResult, type VerifyTarget } from './ingest/verify.js';
import { createSourceAllowList } from './ingest/source-allowlist.js';
import { createWebhookIntake, type WebhookIntake } from './ingest/webhook.js';
import { buildApp } from './http/app.js';
import type { RateLimits } from './http/security.js';
import { createLogger } from './logging.js';
import { reconcile, waitForWorker, type ReconcileReport, type ReconcileSettings } from './reconcile/index.js';
import { createRevalidator } from './reconcile/revalidate.js';
import { ReconcileSchedule } from './reconcile/schedule.js';
import { StripeGateway } from './stripe/gateway.js';
import type { Store } from './store/types.js';
import type { InboxWorker } from './worker/inbox-worker.js';
import type { OutboxDispatcher, OutboxNotice } from './worker/outbox-dispatcher.js';
import { createProcessing } from './worker/processing.js';

export interface SettledOptions {
  /** An opened store; createSettled runs its migrations. */
  readonly store: Store;
  readonly stripe: Stripe;
  /** Several during rotation; a function lets them change without a restart. */
  readonly webhookSecrets: readonly string[] | (() => readonly string[]);
  readonly catalog: Catalog;
  /** Keys the HMAC in metadata.order_ref; keep it secret and stable. */
  readonly orderRefSecret: string;
  /** Where buyers reach this app: success and cancel URLs are built from it. */
  readonly publicUrl: string | (() => string);
  readonly logger?: Logger;
  /** Runs at least once per fulfilled order, outside the request; use notice.idempotencyKey. */
  readonly onFulfilled?: (notice: OutboxNotice) => Promise<void> | void;
  /** Runs at least once when an entitlement is revoked (full refund, dispute) or restored. */
  readonly onEntitlementChanged?: (notice: OutboxNotice) => Promise<void> | void;
  readonly toleranceSeconds?: number;
  readonly worker?: {
    /** Run the inbox worker and outbox dispatcher in this process (default true). */
    readonly enabled?: boolean;
    readonly pollIntervalMs?: number;
    readonly maxAttempts?: number;
    /** How long a claim is held before another process may take it over (after a crash); default 60 s. */
    readonly leaseMs?: number;
    readonly backoff?: { baseMs: number; maxMs: number };
  };
  readonly verifyWaitMs?: number;
  /** Signs operators in to /admin; without it the dashboard says how to turn it on. */
  readonly adminToken?: string;
  /** Revalidation mode: re-read each event's object from Stripe before applying it (one API read per event). */
  readonly revalidate?: boolean;
  /** Reconcile with Stripe in this process: at start() and then every intervalMs (0 or absent: only on request). */
  readonly reconcile?: Partial<ReconcileSettings> & { readonly intervalMs?: number };
  /** Per client address per minute; defaults: 120 for buyer routes, 6000 for the webhook. */
  readonly rateLimits?: RateLimits;
  /** Trust X-Forwarded-For from a proxy in front (only then is the client address the buyer's). */
  readonly trustProxy?: boolean;
  /**
   * Accept webhooks only from these addresses or CIDR blocks (e.g. STRIPE_WEBHOOK_IPS_DEFAULT, Stripe's published
   * list). The signature is what proves an event; this only turns away everyone else sooner.
   */
  readonly webhookSources?: readonly string[];
  readonly now?: () => number;
}

export interface Settled {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly worker: InboxWorker;
  readonly outbox: OutboxDispatcher;
  readonly intake: WebhookIntake;
  /** What the checkout functions need (catalog, gateway, store, public URL); the framework adapters use it. */
  readonly checkout: CheckoutDeps;
  verify(target: VerifyTarget): Promise<VerifyResult>;
  /** One reconciliation now: Events API since the cursor and the stale-order sweep, through the inbox. */
  reconcile(): Promise<ReconcileReport>;
  /** Starts the background worker and outbox dispatcher (unless disabled). */
  start(): void;
  /** Stops background work and the HTTP app; does not close the store you passed in. */
  close(): Promise<void>;
}

export async function createSettled(options: SettledOptions): Promise<Settled> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: 'info' });
  const { store } = options;
  const configuredUrl = options.publicUrl;
  const publicUrl = typeof configuredUrl === 'function' ? configuredUrl : () => configuredUrl;
  await store.migrate();
  const gateway = new StripeGateway(options.stripe);
  const committer = new GroupCommitter(store.inbox);
  const secrets = typeof options.webhookSecrets === 'function' ? options.webhookSecrets : () => options.webhookSecrets as readonly string[];

  const processing = createProcessing({
    store,
    gateway,
    logger,
    now,
    onFulfilled: options.onFulfilled,
    onEntitlementChanged: options.onEntitlementChanged,
    pollIntervalMs: options.worker?.pollIntervalMs,
    maxAttempts: options.worker?.maxAttempts,
    leaseMs: options.worker?.leaseMs,
    backoff: options.worker?.backoff,
    revalidate: options.revalidate ? createRevalidator(gateway, { now }) : undefined,
  });
  const { worker, outbox } = processing;
  const intake = createWebhookIntake({
    committer,
    secrets,
    toleranceSeconds: options.toleranceSeconds ?? 300,
    now,
    onStored: () => worker.notify(),
    deliveryLog: new BatchedDeliveryLog(store.deliveryLog),
    onDeliveryLogError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'webhook delivery not logged'),
    sourceAllowed: options.webhookSources ? createSourceAllowList(options.webhookSources) : undefined,
  });
  const verify = (target: VerifyTarget): Promise<VerifyResult> =>
    verifyPayment({ store, gateway, committer, now, notifyWorker: () => worker.notify(), waitMs: options.verifyWaitMs }, target);
  const checkout: CheckoutDeps = {
    store,
    gateway,
    catalog: options.catalog,
    orderRefSecret: options.orderRefSecret,
    publicUrl,
    now,
  };
  const app = await buildApp({
    catalog: options.catalog,
    checkout,
    store,
    publicUrl,
    intake,
    verify,
    logger,
    rateLimits: options.rateLimits,
    trustProxy: options.trustProxy,
    admin: {
      adminToken: options.adminToken,
      store,
      gateway,
      notifyWorker: () => worker.notify(),
      now,
      // Defined below with the reconciler's settings; only called on an operator's request.
      reconcile: () => reconcileNow(),
    },
  });
  const workerEnabled = options.worker?.enabled ?? true;
  const reconcileSettings: ReconcileSettings = {
    lookbackSeconds: options.reconcile?.lookbackSeconds ?? 72 * 3600,
    overlapSeconds: options.reconcile?.overlapSeconds ?? 60,
    staleAfterMs: options.reconcile?.staleAfterMs ?? 60 * 60_000,
    sweepLimit: options.reconcile?.sweepLimit ?? 500,
    deliveryLogRetentionMs: options.reconcile?.deliveryLogRetentionMs,
    retry: options.reconcile?.retry,
  };
  const reconcileNow = (): Promise<ReconcileReport> =>
    reconcile({ store, gateway, now, processEvents: waitForWorker(store, () => worker.notify(), { timeoutMs: 30_000, now }) }, reconcileSettings);
  const intervalMs = options.reconcile?.intervalMs ?? 0;
  const schedule = intervalMs > 0 ? new ReconcileSchedule(reconcileNow, intervalMs, logger) : undefined;

  return {
    app,
    store,
    gateway,
    worker,
    outbox,
    intake,
    checkout,
    verify,
    reconcile: reconcileNow,
    start() {
      if (workerEnabled) processing.start();
      schedule?.start();
    },
    async close() {
      await schedule?.stop();
      await processing.stop();
      await app.close();
    },
  };
}
