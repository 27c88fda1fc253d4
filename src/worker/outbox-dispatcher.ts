import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { STATUS_NOTICE_KIND, noticeIdempotencyKey, notifiedOrder, type NotifiedOrder } from '../domain/order-notices.js';
import { knownPaymentIntent } from '../domain/refund-policy.js';
import type { OrderRecord, OutboxMessage, Store } from '../store/types.js';
import { afterFailure, queueSettings, type QueueSettings } from './backoff.js';
import { BatchProcessor } from './polling-loop.js';
import { Stragglers } from './stragglers.js';
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
  /** The buyer's access link for an order as it stands when its notice is delivered (status notices carry none). */
  readonly accessUrlOf?: ((order: OrderRecord) => string | undefined) | undefined;
  /** Another retry schedule for messages of a kind (the shop's notifications are retried for days). */
  readonly retryByKind?: Readonly<Record<string, Pick<QueueSettings, 'maxAttempts' | 'backoff'>>>;
}

type Settled = { readonly id: number; readonly now: number };
type Failed = Settled & { readonly error: string; readonly runAt: number; readonly dead: boolean };
type Delivery = { readonly delivered: Settled } | { readonly failed: Failed };

/**
 * Delivers outbox messages to the user's handler, retrying with backoff until it succeeds. A batch's messages are
 * delivered side by side, except that one order's go one after another in the order they were claimed (across
 * batches too), and the batch ends in one commit. A delivery still running `slowAfterMs` after its batch was claimed
 * keeps its claim and is settled by a later batch, so a hung handler holds up no other order.
 */
export class OutboxDispatcher extends BatchProcessor {
  private readonly workerId = `outbox-${randomBytes(6).toString('hex')}`;
  private readonly settings: QueueSettings;
  private readonly slow: Stragglers<Delivery>;
  /** Each order's last delivery started: the next of that order waits for it. */
  private readonly lastOfOrder = new Map<string, Promise<unknown>>();

  constructor(private readonly options: OutboxDispatcherOptions) {
    const settings = queueSettings(DEFAULTS.outbox, options.store.dialect, options);
    super(settings, (error) => options.logger.error({ err: String(error) }, 'outbox dispatcher could not claim messages; will retry'));
    this.settings = settings;
    this.slow = new Stragglers(settings.slowAfterMs, () => this.notify());
  }

  protected async runBatch(): Promise<number> {
    const { store } = this.options;
    const room = this.slow.roomFor(this.settings.batchSize);
    const messages = room > 0 ? await store.outbox.claim({ workerId: this.workerId, limit: room, leaseMs: this.settings.leaseMs, now: this.options.now() }) : [];
    const current = await this.currentOrders(messages);
    const batch = await this.slow.gather(new Map(messages.map((message) => [String(message.id), this.inOrderSequence(message, current)])));
    const deliveries = [...this.slow.takeFinished(), ...batch];
    if (deliveries.length > 0) {
      await store.outbox.settle({
        workerId: this.workerId,
        delivered: deliveries.flatMap((delivery) => ('delivered' in delivery ? [delivery.delivered] : [])),
        failed: deliveries.flatMap((delivery) => ('failed' in delivery ? [delivery.failed] : [])),
      });
    }
    return messages.length;
  }

  protected override settleInFlight(): Promise<boolean> {
    return this.slow.settle();
  }

  override async stop(): Promise<void> {
    await super.stop();
    // A handler still running is not waited for: its message goes back for the next dispatcher (the handler is
    // idempotent by its key, so a delivery that did finish is harmless to repeat).
    const ids = this.slow.abandon().map(Number);
    if (ids.length === 0) return;
    await this.options.store.outbox
      .release({ ids, workerId: this.workerId, now: this.options.now() })
      .catch((error: unknown) => this.options.logger.warn({ err: String(error) }, 'outbox dispatcher could not give its claims back; their lease will free them'));
  }

  /** The batch's orders as they are now, in one read, for the access links; none if it fails (each is read alone). */
  private async currentOrders(messages: readonly OutboxMessage[]): Promise<ReadonlyMap<string, OrderRecord>> {
    const wanted = this.options.accessUrlOf ? messages.filter((message) => message.kind !== STATUS_NOTICE_KIND) : [];
    if (wanted.length === 0) return new Map();
    return this.options.store.orders.getMany(wanted.map((message) => message.orderId)).catch(() => new Map<string, OrderRecord>());
  }

  /** Delivers the message after the order's delivery before it (if one is still running, the order is read again then). */
  private inOrderSequence(message: OutboxMessage, current: ReadonlyMap<string, OrderRecord>): Promise<Delivery> {
    const before = this.lastOfOrder.get(message.orderId);
    const order = before === undefined ? current.get(message.orderId) : undefined;
    const delivery = (before ?? Promise.resolve()).then(() => this.deliver(message, order));
    this.lastOfOrder.set(message.orderId, delivery);
    void delivery.then(() => {
      if (this.lastOfOrder.get(message.orderId) === delivery) this.lastOfOrder.delete(message.orderId);
    });
    return delivery;
  }

  /** Notices queued before they carried the order (older versions) get the order as it is now. */
  private async currentOrder(orderId: string): Promise<NotifiedOrder> {
    const { store } = this.options;
    const order = await store.orders.get(orderId);
    if (order === undefined) throw new Error(`order ${orderId} of an outbox message does not exist`);
    return notifiedOrder(order, order, knownPaymentIntent(order, await store.orders.facts(orderId)));
  }

  /** The buyer's access link for the message's order, from `current` if it was read for this delivery. */
  private async accessUrl(message: OutboxMessage, current: OrderRecord | undefined): Promise<string | undefined> {
    const { accessUrlOf, store } = this.options;
    if (accessUrlOf === undefined || message.kind === STATUS_NOTICE_KIND) return undefined;
    const order = current ?? (await store.orders.get(message.orderId));
    return order === undefined ? undefined : accessUrlOf(order);
  }

  /** Runs the handler; returns what to record: delivered, or the failure if it threw. */
  private async deliver(message: OutboxMessage, current: OrderRecord | undefined): Promise<Delivery> {
    try {
      const payload = JSON.parse(message.payload) as { order?: NotifiedOrder };
      await this.options.handler({
        messageId: message.id,
        orderId: message.orderId,
        kind: message.kind,
        payload,
        order: payload.order ?? (await this.currentOrder(message.orderId)),
        accessUrl: await this.accessUrl(message, current),
        idempotencyKey: noticeIdempotencyKey(message),
      });
      return { delivered: { id: message.id, now: this.options.now() } };
    } catch (error) {
      const now = this.options.now();
      const retry = this.options.retryByKind?.[message.kind];
      const { runAt, dead } = afterFailure(message.attempts, retry ? { ...this.settings, ...retry } : this.settings, now, this.options.random ?? Math.random);
      const text = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ orderId: message.orderId, kind: message.kind, attempts: message.attempts, dead, err: text }, 'outbox handler failed');
      return { failed: { id: message.id, error: text.slice(0, 2000), runAt, dead, now } };
    }
  }
}
