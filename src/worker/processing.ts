import type { Store } from '../store/types.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { InboxWorker, type InboxWorkerOptions, type WorkerLogger } from './inbox-worker.js';
import { OutboxDispatcher, type OutboxNotice } from './outbox-dispatcher.js';

export interface ProcessingOptions {
  readonly store: Store;
  readonly gateway: StripeGateway;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly onFulfilled?: ((notice: OutboxNotice) => Promise<void> | void) | undefined;
  readonly onEntitlementChanged?: ((notice: OutboxNotice) => Promise<void> | void) | undefined;
  readonly pollIntervalMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  /** How long a claim is held before another worker may take it over (after a crash). */
  readonly leaseMs?: number | undefined;
  readonly backoff?: { baseMs: number; maxMs: number } | undefined;
  readonly revalidate?: InboxWorkerOptions['revalidate'];
}

export interface Processing {
  readonly worker: InboxWorker;
  readonly outbox: OutboxDispatcher;
  start(): void;
  stop(): Promise<void>;
}

/** The background half of settled: the inbox worker and the outbox dispatcher it feeds. */
export function createProcessing(options: ProcessingOptions): Processing {
  const { store, logger, now } = options;
  const outbox = new OutboxDispatcher({
    store,
    logger,
    now,
    pollIntervalMs: options.pollIntervalMs,
    leaseMs: options.leaseMs,
    handler: async (notice) => {
      if (notice.kind === 'order.fulfilled') {
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
    revalidate: options.revalidate,
    onApplied: () => outbox.notify(),
  });
  return {
    worker,
    outbox,
    start() {
      worker.start();
      outbox.start();
    },
    async stop() {
      await worker.stop();
      await outbox.stop();
    },
  };
}
