import type { Generated, Kysely } from 'kysely';

/*
 * Row shapes as Kysely sees them. Times are unix milliseconds in bigint columns; booleans are 0/1 integers
 * because better-sqlite3 cannot bind JS booleans and one schema serves both dialects.
 */

/** The columns of a table that is a queue (see queue.ts): the inbox and the outbox. */
export interface QueueColumns {
  status: Generated<string>;
  attempts: Generated<number>;
  last_error: string | null;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
}

export interface InboxEventsTable extends QueueColumns {
  id: string;
  type: string;
  source: string;
  received_at: number;
  processed_at: number | null;
  order_id: string | null;
  outcome: string | null;
}

/** An inbox event's JSON text, apart from its row, which the queue rewrites (see migration 011). */
export interface InboxPayloadsTable {
  event_id: string;
  payload: string;
}

export interface OrdersTable {
  id: string;
  lines: string;
  total_amount: number;
  currency: string;
  order_ref: string;
  email: string | null;
  flow: string;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  created_at: number;
  updated_at: number;
  status: string;
  amount_refunded: number;
  paid_at: number | null;
  review_reason: string | null;
  fulfill: number;
  entitlement: string;
  access_token: string | null;
  fulfilled_at: number | null;
}

export interface OrderFactsTable {
  order_id: string;
  fact_key: string;
  kind: string;
  fact: string;
  event_id: string;
  recorded_at: number;
}

export interface FulfillmentsTable {
  order_id: string;
  event_id: string;
  fulfilled_at: number;
}

export interface OutboxTable extends QueueColumns {
  id: Generated<number>;
  order_id: string;
  kind: string;
  dedupe_key: string;
  payload: string;
  created_at: number;
  delivered_at: number | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number | string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  received_at: number;
  source_address: string | null;
  outcome: string;
  reason: string | null;
  event_id: string | null;
  event_type: string | null;
  signature_header: string | null;
}

export interface WebhookRejectionCountsTable {
  /** Unix milliseconds at the start of the minute the requests arrived in. */
  minute_start: number;
  source_address: string;
  reason: string;
  request_count: number;
}

export interface ApiIdempotencyKeysTable {
  idempotency_key: string;
  request_hash: string;
  status: string;
  response_status: number | null;
  response_body: string | null;
  locked_until: number | string;
  created_at: number | string;
}

export interface NotificationAttemptsTable {
  id: Generated<number>;
  outbox_id: number | string;
  attempted_at: number | string;
  duration_ms: number;
  outcome: string;
  http_status: number | null;
  error: string | null;
}

export interface RefundRequestsTable {
  refund_id: string;
  order_id: string;
  amount: number;
  currency: string;
  refunded_before: number;
  status: string;
  requested_at: number;
}

export interface Database {
  inbox_events: InboxEventsTable;
  inbox_payloads: InboxPayloadsTable;
  orders: OrdersTable;
  order_facts: OrderFactsTable;
  fulfillments: FulfillmentsTable;
  outbox: OutboxTable;
  settings: SettingsTable;
  leases: LeasesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_rejection_counts: WebhookRejectionCountsTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
  notification_attempts: NotificationAttemptsTable;
  refund_requests: RefundRequestsTable;
}

export type Dialect = 'sqlite' | 'postgres';

/** What every repository is built from: the query builder and the one fact about the dialect that changes SQL. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
}

/** PostgreSQL returns bigint (and count) as strings unless the pool parses them; a caller's pool may not. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: number | string | bigint | null): number | null {
  return value === null ? null : toNumber(value);
}
