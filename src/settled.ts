import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { connectStripeAndPrices } from './connect.js';
import { accessUrlOf, type AccessDeps } from './operations/access.js';
import type { CheckoutDeps } from './operations/checkout.js';
import { BoundedDeliveryLog } from './ingest/bounded-delivery-log.js';
import { BatchedDeliveryLog, BatchedRejectionCounts, GroupCommitter } from './ingest/group-commit.js';
import { createSourceAllowList } from './ingest/source-allowlist.js';
import { createWebhookIntake } from './ingest/webhook.js';
import { buildApp } from './http/app.js';
import { DEFAULTS } from './defaults.js';
import { connectionErrorLogger, createLogger } from './logging.js';
import { createMetrics } from './metrics.js';
import { reconcileNow as runReconciliation, reconcileSettings } from './operations/reconcile-now.js';
import { verifyPayment, type VerifyResult, type VerifyTarget } from './operations/verify.js';
import type { ReconcileReport } from './reconcile/index.js';
import { createRevalidator } from './reconcile/revalidate.js';
import { ReconcileSchedule } from './reconcile/schedule.js';
import { openStore, type OpenStoreOptions } from './store/index.js';
import type { Store } from './store/types.js';
import { createProcessing } from './worker/processing.js';
import type { Settled, SettledOptions } from './settled-options.js';

export type { Settled, SettledOptions } from './settled-options.js';

const CLOSE_GRACE_MS = 10_000;
// How long a reconciliation waits for the worker to process what it found.
const RECONCILE_WAIT_MS = 30_000;

/**
 * Fastify's close waits for every open connection, and a client's keep-alive connection that was busy when
 * close began stays open until its timeout; so idle ones are closed as they appear, and all after the grace.
 */
async function closeHttp(app: FastifyInstance, graceMs: number): Promise<void> {
  if (!app.server.listening) {
    await app.close();
    return;
  }
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
}

/** A store createSettled opens reports its broken connections to settled's log (they never end the process). */
function withConnectionErrorsLogged(options: OpenStoreOptions, logger: Logger): OpenStoreOptions {
  if (options.kind === 'sqlite' || options.onConnectionError) return options;
  return { ...options, onConnectionError: connectionErrorLogger(logger) };
}

function isStore(value: Store | OpenStoreOptions): value is Store {
  return 'inbox' in value && 'migrate' in value;
}

export async function createSettled(options: SettledOptions): Promise<Settled> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger({ level: 'info' });
  const configuredUrl = options.publicUrl;
  const publicUrl = typeof configuredUrl === 'function' ? configuredUrl : () => configuredUrl;
  // Stripe and the catalog first: a broken catalog file or an unreachable emulator is reported before any store opens.
  const { emulator, gateway, secrets, prices } = await connectStripeAndPrices(options, publicUrl, now);
  const ownsStore = !isStore(options.store);
  let store: Store;
  try {
    store = isStore(options.store) ? options.store : await openStore(withConnectionErrorsLogged(options.store, logger));
  } catch (error) {
    await emulator?.close();
    throw error;
  }
  try {
    await store.migrate();
  } catch (error) {
    if (ownsStore) await store.close();
    await emulator?.close();
    throw error;
  }
  // Nobody is waiting on these, and giving up only means trying again later: more patience, still an end.
  const backgroundGateway = gateway.withBudget(options.stripeBudget?.backgroundMs ?? DEFAULTS.stripeBudgetMs.background);
  // A few batches in flight: PostgreSQL flushes concurrent commits together, and SQLite's write thread puts the
  // batches waiting for it into its next commit, so the next fsync starts as soon as the last one ends.
  const committer = new GroupCommitter(store.inbox, { concurrency: 4 });
  const metrics = createMetrics({ store, now });
  const access: AccessDeps = { store, listing: prices.listing, publicUrl, accessUrl: options.accessUrl };

  const processing = createProcessing({
    store,
    gateway: backgroundGateway,
    logger,
    now,
    onFulfilled: options.onFulfilled,
    onEntitlementChanged: options.onEntitlementChanged,
    confirmations: options.confirmations,
    accessUrlOf: (order) => accessUrlOf(access, order),
    notify: options.notify,
    pollIntervalMs: options.worker?.pollIntervalMs,
    maxAttempts: options.worker?.maxAttempts,
    leaseMs: options.worker?.leaseMs,
    backoff: options.worker?.backoff,
    queues: options.worker?.queues,
    revalidate: options.revalidate ? createRevalidator(backgroundGateway, { now }) : undefined,
    metrics: metrics.worker,
  });
  const { worker, outbox } = processing;
  const intake = createWebhookIntake({
    committer,
    secrets,
    toleranceSeconds: options.toleranceSeconds ?? DEFAULTS.webhookToleranceSeconds,
    now,
    onStored: () => worker.notify(),
    deliveryLog: new BoundedDeliveryLog(new BatchedDeliveryLog(store.deliveryLog), new BatchedRejectionCounts(store.rejectionCounts)),
    onDeliveryLogError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'webhook delivery not logged'),
    sourceAllowed: options.webhookSources ? createSourceAllowList(options.webhookSources) : undefined,
    metrics: metrics.intake,
  });
  const verify = (target: VerifyTarget): Promise<VerifyResult> =>
    verifyPayment({ store, gateway, committer, now, notifyWorker: () => worker.notify(), waitMs: options.verifyWaitMs }, target);
  const checkout: CheckoutDeps = {
    store,
    gateway,
    prices,
    orderRefSecret: options.orderRefSecret,
    publicUrl,
    now,
  };
  const workerEnabled = options.worker?.enabled ?? true;
  let shuttingDown = false;
  const app = await buildApp({
    checkout,
    access,
    store,
    publicUrl,
    intake,
    verify,
    logger,
    rateLimits: options.rateLimits,
    trustProxy: options.trustProxy,
    sidecar: { checkout, apiKeys: options.apiKeys ?? [] },
    admin: {
      adminToken: options.adminToken,
      store,
      gateway,
      notifyWorker: () => worker.notify(),
      notifyOutbox: () => outbox.notify(),
      now,
      // Defined below with the reconciler's settings; only called on an operator's request.
      reconcile: () => reconcileNow(),
    },
    health: { store, workerEnabled, workerRunning: () => processing.worker.isRunning, shuttingDown: () => shuttingDown },
    metrics: metrics.registry,
  });
  const settings = reconcileSettings(options.reconcile);
  const reconcileNow = (): Promise<ReconcileReport> =>
    runReconciliation({ store, gateway: backgroundGateway, now, processFound: () => worker.notify(), waitMs: RECONCILE_WAIT_MS }, settings).then(
      (report) => {
        metrics.reconcileRun('ok');
        return report;
      },
      (error: unknown) => {
        metrics.reconcileRun('failed');
        throw error;
      },
    );
  const intervalMs = options.reconcile?.intervalMs ?? 0;
  // Every process may be configured with an interval; the lease lets one of them reconcile per interval. It lasts
  // two intervals, so its holder keeps it from run to run, and another process takes over within two if it stops.
  const leaseHolder = `reconciler-${randomBytes(6).toString('hex')}`;
  const schedule =
    intervalMs > 0
      ? new ReconcileSchedule(
          reconcileNow,
          intervalMs,
          logger,
          () => store.leases.acquire({ name: 'reconcile', holder: leaseHolder, now: now(), ttlMs: 2 * intervalMs }),
          () => metrics.reconcileRun('skipped'),
        )
      : undefined;

  return {
    app,
    store,
    gateway,
    worker,
    outbox,
    intake,
    metrics,
    checkout,
    access,
    emulator: emulator ? { url: emulator.url } : undefined,
    verify,
    reconcile: reconcileNow,
    start() {
      if (workerEnabled) processing.start();
      schedule?.start();
    },
    async close() {
      shuttingDown = true;
      // Stop accepting and finish in-flight requests first (their events reach the inbox), then the background work.
      await closeHttp(app, CLOSE_GRACE_MS);
      await schedule?.stop();
      // Another process may reconcile at once rather than after this one's lease runs out.
      if (schedule) await store.leases.release({ name: 'reconcile', holder: leaseHolder }).catch(() => undefined);
      await processing.stop();
      if (ownsStore) await store.close();
      await emulator?.close();
    },
  };
}
