import { STATUS_NOTICE_KIND, type NotifiedOrder } from '../domain/order-notices.js';
import type { OrderTerms } from '../domain/order.js';
import type { InboxWatch, OrderRecord, Store } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { InboxWorker, type InboxWorkerOptions, type WorkerLogger } from './inbox-worker.js';
import { OutboxDispatcher, type OutboxNotice } from './outbox-dispatcher.js';
import { DEFAULTS } from '../defaults.js';
import { createShopNotifier } from '../notify/shop-notifier.js';
import { buildConfirmation } from '../notify/confirmation-message.js';
import type { ConfirmationSender } from '../notify/sender.js';
import type { QueueSettings } from './backoff.js';

export interface ProcessingOptions {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly onFulfilled?: ((notice: OutboxNotice) => Promise<void> | void) | undefined;
  readonly onEntitlementChanged?: ((notice: OutboxNotice) => Promise<void> | void) | undefined;
  /** Sends the buyer's confirmation for each fulfilled order, inside the outbox delivery (so failures are retried). */
  readonly confirmations?: ConfirmationSender | undefined;
  /** The buyer's access link for an order (settled's page, the shop's own, or none); default none. */
  readonly accessUrlOf?: ((order: OrderRecord) => string | undefined) | undefined;
  /** Signed notifications of each status change to the shop's backend; without it they are only pulled (GET /api/v1/events). */
  readonly notify?: NotifySettings | undefined;
  readonly pollIntervalMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  /** How long a claim is held before another worker may take it over (after a crash). */
  readonly leaseMs?: number | undefined;
  readonly backoff?: { baseMs: number; maxMs: number } | undefined;
  /** Per queue: batch size, gather wait, lease, poll interval, attempts, backoff (DEFAULTS.worker and DEFAULTS.outbox otherwise). */
  readonly queues?: { readonly inbox?: Partial<QueueSettings> | undefined; readonly outbox?: Partial<QueueSettings> | undefined } | undefined;
  readonly revalidate?: InboxWorkerOptions['revalidate'];
  readonly metrics?: InboxWorkerOptions['metrics'];
}

export interface NotifySettings {
  readonly url: string;
  readonly secrets: readonly string[];
  readonly timeoutMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly backoff?: { baseMs: number; maxMs: number } | undefined;
}

export interface Processing {
  readonly worker: InboxWorker;
  readonly outbox: OutboxDispatcher;
  start(): void;
  stop(): Promise<void>;
}

/** The background half of settled: the inbox worker and the outbox dispatcher it feeds. */
export function createProcessing(options: ProcessingOptions): Processing {
  const { store, logger, now, notify } = options;
  const notifyShop = notify ? createShopNotifier({ url: notify.url, secrets: notify.secrets, timeoutMs: notify.timeoutMs, store, now }) : undefined;
  const outbox = new OutboxDispatcher({
    store,
    logger,
    now,
    pollIntervalMs: options.pollIntervalMs,
    leaseMs: options.leaseMs,
    ...options.queues?.outbox,
    accessUrlOf: options.accessUrlOf,
    retryByKind: {
      [STATUS_NOTICE_KIND]: { maxAttempts: notify?.maxAttempts ?? DEFAULTS.notify.maxAttempts, backoff: notify?.backoff ?? DEFAULTS.notify.backoff },
    },
    handler: async (notice) => {
      if (notice.kind === STATUS_NOTICE_KIND) {
        await notifyShop?.(notice);
        return;
      }
      if (notice.kind === 'order.fulfilled') {
        if (options.confirmations) await options.confirmations.send(buildConfirmation({ order: confirmedOrder(notice.order), accessUrl: notice.accessUrl }), notice.idempotencyKey);
        if (options.onFulfilled) await options.onFulfilled(notice);
        else logger.info({ orderId: notice.orderId }, 'order fulfilled (no onFulfilled handler is configured)');
        return;
      }
      await options.onEntitlementChanged?.(notice);
    },
  });
  const worker = new InboxWorker({
    store,
    gateway: options.gateway,
    logger,
    now,
    pollIntervalMs: options.pollIntervalMs,
    maxAttempts: options.maxAttempts,
    leaseMs: options.leaseMs,
    backoff: options.backoff,
    ...options.queues?.inbox,
    revalidate: options.revalidate,
    metrics: options.metrics,
    // Without a notify URL nothing would post them: stored as they are made, for the pull API, with no outbox round.
    statusNotices: notify ? 'queue' : 'record',
    onApplied: () => outbox.notify(),
  });
  // Events another process takes in (`serve --no-worker` beside `settled worker`) are claimed when they are announced,
  // not at the next poll; the poll stays for what is not announced (retries coming due, a broken listening connection).
  let watch: InboxWatch | undefined;
  return {
    worker,
    outbox,
    start() {
      worker.start();
      outbox.start();
      watch ??= store.inbox.watch(
        () => worker.notify(),
        (error) => logger.warn({ err: error.message }, 'not told of new inbox events (the worker polls meanwhile); listening again shortly'),
      );
    },
    async stop() {
      await watch?.close();
      watch = undefined;
      await worker.stop();
      await outbox.stop();
    },
  };
}

function confirmedOrder(order: NotifiedOrder): Pick<OrderTerms, 'id' | 'lines' | 'total' | 'email'> {
  return { id: order.id, lines: order.lines, email: order.email, total: { amount: order.amountTotal, currency: order.currency } };
}
