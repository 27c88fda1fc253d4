import type { Fact } from '../domain/order-facts.js';
import type { EntitlementState, OrderDerived, OrderTerms } from '../domain/order.js';
import type { DeliveryLogRepository, WebhookRejectionCountRepository } from './delivery-log-types.js';
import type { ApplyBatchInput, ApplyFactsInput, ApplyFactsResult, BatchItemResult } from './apply-types.js';
import type { IdempotencyKeyRepository, NotificationAttemptRepository } from './sidecar-types.js';

export type * from './delivery-log-types.js';
export type * from './sidecar-types.js';
export type * from './apply-types.js';

/** Where an inbox event came from; every source goes down the same processing path. */
export type InboxSource = 'webhook' | 'verify' | 'reconcile' | 'replay' | 'operator';
export const INBOX_STATUSES = ['pending', 'processing', 'processed', 'ignored', 'dead'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export interface NewInboxEvent {
  /** Stripe's event id (evt_…), or a synthetic id for objects retrieved directly (verify, sweep). */
  readonly id: string;
  readonly type: string;
  /** The event JSON exactly as received. */
  readonly payload: string;
  readonly source: InboxSource;
  /** Unix milliseconds. */
  readonly receivedAt: number;
  /**
   * The webhook request that carried the event, when it came as one: its delivery-log line (outcome 'stored' or
   * 'duplicate') is written in the same transaction as the event, so an acknowledged event is never missing
   * from the log.
   */
  readonly delivery?: { readonly sourceAddress: string | null; readonly signatureHeader: string | null };
}

export interface InboxEvent extends Omit<NewInboxEvent, 'delivery'> {
  readonly status: InboxStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly runAt: number;
  readonly lockedBy: string | null;
  readonly lockedUntil: number | null;
  readonly processedAt: number | null;
  readonly orderId: string | null;
  /** What processing concluded, for people: 'applied', 'ignored: unhandled type', … */
  readonly outcome: string | null;
}

export interface InboxRepository {
  /**
   * Commits the batch durably in one transaction before resolving (group commit), with the delivery-log lines
   * of the events that carry a `delivery`. An id already in the inbox is left as it is and reported
   * `inserted: false`.
   */
  add(events: readonly NewInboxEvent[]): Promise<{ id: string; inserted: boolean }[]>;
  /**
   * Claims up to `limit` due events for `workerId` until `now + leaseMs`: pending ones whose runAt has come,
   * and processing ones whose lease has expired (their worker died). Increments attempts.
   */
  claim(input: { workerId: string; limit: number; leaseMs: number; now: number }): Promise<InboxEvent[]>;
  /** Ends a claim successfully. Does nothing (returns false) if the claim is no longer this worker's. */
  complete(input: { id: string; workerId: string; status: 'processed' | 'ignored'; orderId: string | null; outcome: string; now: number }): Promise<boolean>;
  /**
   * Gives claims back untouched, as if never claimed (pending, due now, the attempt not counted): for events a
   * worker could not finish because the store itself failed, so they are retried when it returns, not after the lease.
   */
  release(input: { ids: readonly string[]; workerId: string; now: number }): Promise<number>;
  /** Ends a claim with an error: back to pending at `runAt`, or `dead` when `dead` is true. */
  fail(input: { id: string; workerId: string; error: string; runAt: number; dead: boolean; now: number }): Promise<boolean>;
  get(id: string): Promise<InboxEvent | undefined>;
  /** Those of the ids the inbox holds, in arrival order (one query, however many). */
  getMany(ids: readonly string[]): Promise<InboxEvent[]>;
  list(input: { status?: InboxStatus; limit: number; beforeReceivedAt?: number }): Promise<InboxEvent[]>;
  /** Puts a processed, ignored or dead event back to pending (operator retry or replay). */
  requeue(input: { id: string; now: number }): Promise<boolean>;
  /** Counts by status, and the receivedAt of the oldest pending event (inbox lag). */
  stats(): Promise<{ counts: Record<InboxStatus, number>; oldestPendingAt: number | null }>;
  /**
   * Calls `onAdded` when any process adds events to this inbox (PostgreSQL: LISTEN on its own connection, which is
   * made again after it breaks, with `onAdded` called once it listens again; each process announces its batches at
   * most once per 20 ms, those in between together when that window ends; SQLite: never, its workers poll).
   * A hint to look now, not a delivery: an event may be announced more than once or, while not listening, not at all.
   */
  watch(onAdded: () => void, onError: (error: Error) => void): InboxWatch;
}

export interface InboxWatch {
  close(): Promise<void>;
}

export interface OrderRecord extends OrderTerms, OrderDerived {
  readonly updatedAt: number;
  /** The buyer's access token, once fulfilled. */
  readonly accessToken: string | null;
  readonly fulfilledAt: number | null;
}

export interface StoredFact {
  readonly fact: Fact;
  readonly eventId: string;
  readonly recordedAt: number;
}

export interface OrderRepository {
  create(terms: OrderTerms): Promise<void>;
  get(id: string): Promise<OrderRecord | undefined>;
  /** The orders of these ids that exist, in one query (a batch's). */
  getMany(ids: readonly string[]): Promise<Map<string, OrderRecord>>;
  findByCheckoutSession(sessionId: string): Promise<OrderRecord | undefined>;
  findByPaymentIntent(paymentIntentId: string): Promise<OrderRecord | undefined>;
  findByAccessToken(token: string): Promise<OrderRecord | undefined>;
  /** Records the Stripe object created for the order; refuses to overwrite a different one. */
  attachCheckoutSession(orderId: string, sessionId: string): Promise<void>;
  attachPaymentIntent(orderId: string, paymentIntentId: string): Promise<void>;
  list(input: { status?: string; search?: string; limit: number }): Promise<OrderRecord[]>;
  /** How many orders are in each status (absent statuses have none); one GROUP BY, for /metrics. */
  countByStatus(): Promise<Record<string, number>>;
  facts(orderId: string): Promise<StoredFact[]>;
}

export interface OutboxMessage {
  readonly id: number;
  readonly orderId: string;
  /** 'order.fulfilled' | 'entitlement.revoked' | 'entitlement.restored' | 'order.status_changed' */
  readonly kind: string;
  readonly payload: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly runAt: number;
  readonly status: 'pending' | 'processing' | 'delivered' | 'dead';
  /** Unix milliseconds. */
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

export interface OutboxRepository {
  claim(input: { workerId: string; limit: number; leaseMs: number; now: number }): Promise<OutboxMessage[]>;
  complete(input: { id: number; workerId: string; now: number }): Promise<boolean>;
  fail(input: { id: number; workerId: string; error: string; runAt: number; dead: boolean; now: number }): Promise<boolean>;
  /** Ends a batch's claims in one commit: the delivered ones (stamped with the latest of their times), the failed ones back to pending at runAt or dead. */
  settle(input: {
    workerId: string;
    delivered: readonly { id: number; now: number }[];
    failed: readonly { id: number; error: string; runAt: number; dead: boolean; now: number }[];
  }): Promise<void>;
  /** Gives claims back (a stopping dispatcher's deliveries still running): pending now, the attempt not counted. */
  release(input: { ids: readonly number[]; workerId: string; now: number }): Promise<number>;
  list(input: { orderId?: string; status?: OutboxMessage['status']; limit: number }): Promise<OutboxMessage[]>;
  get(id: number): Promise<OutboxMessage | undefined>;
  /** Puts a dead message back to pending, due now (an operator's retry); false if it is not dead. */
  requeue(input: { id: number; now: number }): Promise<boolean>;
}

/** Named, expiring leases: which process does a periodic job this time round. */
export interface LeaseRepository {
  /** Takes the lease if it is free or expired, extends it if `holder` has it; false while another holder's is valid. */
  acquire(input: { name: string; holder: string; now: number; ttlMs: number }): Promise<boolean>;
  /** Gives the lease up, if `holder` has it. */
  release(input: { name: string; holder: string }): Promise<void>;
}

export interface KeyValueRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** A refund an operator asked Stripe for; the order changes only when Stripe's charge.refunded is processed. */
export interface RefundRequest {
  readonly refundId: string;
  readonly orderId: string;
  /** Minor units, in `currency`. */
  readonly amount: number;
  readonly currency: string;
  /** What the order had refunded when this was asked. */
  readonly refundedBefore: number;
  /** Stripe's refund status when it answered (pending, succeeded, failed, canceled, requires_action). */
  readonly status: string;
  readonly requestedAt: number;
}

export interface OrderActivityRepository {
  /** Orders still pending that were created before `createdBefore`, oldest first (the reconciler's sweep). */
  pendingCreatedBefore(input: { createdBefore: number; limit: number }): Promise<OrderRecord[]>;
  /** Ids of the inbox events processing attributed to the order, in arrival order. */
  inboxEventIds(orderId: string): Promise<string[]>;
  /** Records a refund asked of Stripe; the same refund again (an idempotent repeat) keeps its first row. */
  recordRefundRequest(request: RefundRequest): Promise<void>;
  /** The order's refund requests, oldest first. */
  refundRequests(orderId: string): Promise<RefundRequest[]>;
}

export interface StoreHealthReport {
  readonly read: 'ok' | 'failing';
  readonly write: 'ok' | 'failing';
  /** What the driver said, for logs and operators (never holds a connection string). */
  readonly readError?: string;
  readonly writeError?: string;
}

export interface StoreHealth {
  /** Whether the database answers and accepts writes now (bounded in time: a hung database is 'failing'). */
  check(): Promise<StoreHealthReport>;
  /** Tells the store how a write went elsewhere (the inbox, facts), so that check() knows without writing itself. */
  recordWrite(outcome: { ok: true } | { ok: false; error: unknown }): void;
}

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly inbox: InboxRepository;
  readonly orders: OrderRepository;
  readonly outbox: OutboxRepository;
  readonly settings: KeyValueRepository;
  readonly leases: LeaseRepository;
  readonly deliveryLog: DeliveryLogRepository;
  /** Refused webhook requests past the delivery log's few per address and minute. */
  readonly rejectionCounts: WebhookRejectionCountRepository;
  readonly orderActivity: OrderActivityRepository;
  /** The sidecar API's answers per Idempotency-Key. */
  readonly idempotencyKeys: IdempotencyKeyRepository;
  /** Notifications to the shop's backend, and every attempt to deliver one. */
  readonly notifications: NotificationAttemptRepository;
  /** Can it read and write now; /readyz asks. */
  readonly health: StoreHealth;
  /**
   * In one transaction: records the new facts (unique per order and fact key), recomputes the order with
   * `decide`, writes the derived columns, inserts the fulfillment row when due (unique per order — the
   * database, not a prior read, makes it once), grants or revokes the entitlement, and queues outbox
   * messages for what changed ('order.fulfilled' for the fulfilling application; 'entitlement.revoked' /
   * 'entitlement.restored' when the entitlement leaves or returns to 'active'). Throws OrderNotFoundError for an
   * unknown order. The order's access token is set from `newAccessToken` the first time the order is due fulfillment.
   */
  applyFacts(input: ApplyFactsInput): Promise<ApplyFactsResult>;
  /**
   * A worker's batch in one durable commit: each item's facts applied as applyFacts would (the applications to one
   * order one after another, in the order given), its claim completed, ignored or failed. An item that fails for
   * itself fails alone; the others are kept. Rejects only when the store itself fails (then nothing is kept).
   */
  applyBatch(input: ApplyBatchInput): Promise<BatchItemResult[]>;
  /**
   * Applies pending migrations; safe to call from several processes at once. Throws SchemaTooNewError (naming
   * the unknown migrations) when the database was migrated by newer code.
   */
  migrate(): Promise<void>;
  /** Which known migrations the database has run and which are pending; runs none. */
  migrationStatus(): Promise<MigrationStatus>;
  close(): Promise<void>;
}

export type { EntitlementState };
