import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { noticeIdempotencyKey, notifiedOrder, type NotifiedOrder } from '../domain/order-notices.js';
import { knownPaymentIntent } from '../domain/refund-policy.js';
import type { OutboxMessage, Store } from '../store/types.js';
import { afterFailure, queueSettings, type QueueSettings } from './backoff.js';
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

export interface OutboxDispatcherOptions extends Partial<QueueSettings> {
  readonly store: Store;
  readonly handler: OutboxHandler;
  readonly logger: WorkerLogger;
  readonly now: () => number;
  readonly random?: () => number;
  /** Another retry schedule for messages of a kind (the shop's notifications are retried for days). */
  readonly retryByKind?: Readonly<Record<string, Pick<QueueSettings, 'maxAttempts' | 'backoff'>>>;
}

type Settled = { readonly id: number; readonly now: number };
type Failed = Settled & { readonly error: string; readonly runAt: number; readonly dead: boolean };

/**
 * Delivers outbox messages to the user's handler, retrying with backoff until it succeeds. A batch's orders are
 * delivered side by side (one order's messages one after another, in the order they were queued), and the batch
 * ends in one commit.
 */
export class OutboxDispatcher extends BatchProcessor {
  private readonly workerId = `outbox-${randomBytes(6).toString('hex')}`;
  private readonly settings: QueueSettings;

  constructor(private readonly options: OutboxDispatcherOptions) {
    const settings = queueSettings(DEFAULTS.outbox, options);
    super(settings.pollIntervalMs, (error) => options.logger.error({ err: String(error) }, 'outbox dispatcher could not claim messages; will retry'));
    this.settings = settings;
  }

  protected async runBatch(): Promise<number> {
    const { store } = this.options;
    const messages = await store.outbox.claim({ workerId: this.workerId, limit: this.settings.batchSize, leaseMs: this.settings.leaseMs, now: this.options.now() });
    const byOrder = new Map<string, OutboxMessage[]>();
    for (const message of messages) byOrder.set(message.orderId, [...(byOrder.get(message.orderId) ?? []), message]);
    const delivered: Settled[] = [];
    const failed: Failed[] = [];
    await Promise.all(
      [...byOrder.values()].map(async (ofOrder) => {
        for (const message of ofOrder) {
          const failure = await this.deliver(message);
          if (failure) failed.push(failure);
          else delivered.push({ id: message.id, now: this.options.now() });
        }
      }),
    );
    await store.outbox.settle({ workerId: this.workerId, delivered, failed });
    return messages.length;
  }

  /** Notices queued before they carried the order (older versions) get the order as it is now. */
  private async currentOrder(orderId: string): Promise<NotifiedOrder> {
    const { store } = this.options;
    const order = await store.orders.get(orderId);
    if (order === undefined) throw new Error(`order ${orderId} of an outbox message does not exist`);
    return notifiedOrder(order, order, knownPaymentIntent(order, await store.orders.facts(orderId)));
  }

  /** Runs the handler; returns the failure to record, if it threw. */
  private async deliver(message: OutboxMessage): Promise<Failed | undefined> {
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
      return undefined;
    } catch (error) {
      const now = this.options.now();
      const retry = this.options.retryByKind?.[message.kind];
      const { runAt, dead } = afterFailure(message.attempts, retry ? { ...this.settings, ...retry } : this.settings, now, this.options.random ?? Math.random);
      const text = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ orderId: message.orderId, kind: message.kind, attempts: message.attempts, dead, err: text }, 'outbox handler failed');
      return { id: message.id, error: text.slice(0, 2000), runAt, dead, now };
    }
  }
}
