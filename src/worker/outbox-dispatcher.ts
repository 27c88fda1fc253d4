import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { noticeIdempotencyKey, notifiedOrder, type NotifiedOrder } from '../domain/order-notices.js';
import { knownPaymentIntent } from '../domain/refund-policy.js';
import type { OutboxMessage, Store } from '../store/types.js';
import { nextAttemptDelayMs } from './backoff.js';
import { BatchProcessor } from './polling-loop.js';
import type { WorkerLogger } from './inbox-worker.js';

export interface OutboxNotice {
  /** The outbox message's id: the same on every redelivery. */
  readonly messageId: number;
  readonly orderId: string;
  /** 'order.fulfilled' | 'entitlement.revoked' | 'entitlement.restored' | 'order.status_changed' (for the shop's backend) */
  readonly kind: string;
  readonly payload: unknown;
  /** The whole order as it stood when the change was recorded: lines, totals, email, status, payment ids. */
  readonly order: NotifiedOrder;
  /** Where the buyer opens the purchase (settled's access page or the shop's own), while the entitlement is active. */
  readonly accessUrl?: string | undefined;
  /** Stable across redeliveries (the order id for 'order.fulfilled'): make your side effect idempotent with it. */
  readonly idempotencyKey: string;
}

/** The user's side effects: each runs at least once per message, so make it idempotent by the key. */
export type OutboxHandler = (notice: OutboxNotice) => Promise<void> | void;

export interface OutboxDispatcherOptions {
  readonly store: Store;
  readonly handler: OutboxHandler;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly maxAttempts?: number;
  readonly pollIntervalMs?: number;
  readonly leaseMs?: number;
  readonly batchSize?: number;
  readonly backoff?: { baseMs: number; maxMs: number };
  readonly random?: () => number;
  /** Another retry schedule for messages of a kind (the shop's notifications are retried for days). */
  readonly retryByKind?: Readonly<Record<string, { readonly maxAttempts: number; readonly backoff: { baseMs: number; maxMs: number } }>>;
}

/** Delivers outbox messages to the user's handler, retrying with backoff until it succeeds. */
export class OutboxDispatcher extends BatchProcessor {
  private readonly workerId = `outbox-${randomBytes(6).toString('hex')}`;
  constructor(private readonly options: OutboxDispatcherOptions) {
    super(options.pollIntervalMs ?? DEFAULTS.outbox.pollIntervalMs, (error) =>
      options.logger.error({ err: String(error) }, 'outbox dispatcher could not claim messages; will retry'),
    );
  }

  protected async runBatch(): Promise<number> {
    const messages = await this.options.store.outbox.claim({
      workerId: this.workerId,
      limit: this.options.batchSize ?? DEFAULTS.outbox.batchSize,
      leaseMs: this.options.leaseMs ?? DEFAULTS.outbox.leaseMs,
      now: this.options.now(),
    });
    for (const message of messages) await this.deliver(message);
    return messages.length;
  }

  /** Notices queued before they carried the order (older versions) get the order as it is now. */
  private async currentOrder(orderId: string): Promise<NotifiedOrder> {
    const { store } = this.options;
    const order = await store.orders.get(orderId);
    if (order === undefined) throw new Error(`order ${orderId} of an outbox message does not exist`);
    return notifiedOrder(order, order, knownPaymentIntent(order, await store.orders.facts(orderId)));
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { store, logger } = this.options;
    try {
      const payload = JSON.parse(message.payload) as { order?: NotifiedOrder };
      await this.options.handler({
        messageId: message.id,
        orderId: message.orderId,
        kind: message.kind,
        payload,
        order: payload.order ?? (await this.currentOrder(message.orderId)),
        idempotencyKey: noticeIdempotencyKey(message),
      });
      await store.outbox.complete({ id: message.id, workerId: this.workerId, now: this.options.now() });
    } catch (error) {
      const retry = this.options.retryByKind?.[message.kind];
      const dead = message.attempts >= (retry?.maxAttempts ?? this.options.maxAttempts ?? DEFAULTS.outbox.maxAttempts);
      const now = this.options.now();
      const backoff = retry?.backoff ?? this.options.backoff ?? DEFAULTS.outbox.backoff;
      const runAt = now + nextAttemptDelayMs(message.attempts, { ...backoff, random: this.options.random ?? Math.random });
      const text = error instanceof Error ? error.message : String(error);
      await store.outbox.fail({ id: message.id, workerId: this.workerId, error: text.slice(0, 2000), runAt, dead, now });
      logger.warn({ orderId: message.orderId, kind: message.kind, attempts: message.attempts, dead, err: text }, 'outbox handler failed');
    }
  }
}
