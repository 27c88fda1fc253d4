import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('inbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('processed_at', 'bigint')
    .addColumn('order_id', 'text')
    .addColumn('outcome', 'text')
    .execute();
  // Claiming scans due pending rows and expired leases; stats and the admin list go by status and arrival.
  await db.schema.createIndex('inbox_events_claim').on('inbox_events').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('inbox_events_lease').on('inbox_events').columns(['status', 'locked_until']).execute();
  await db.schema.createIndex('inbox_events_received').on('inbox_events').columns(['status', 'received_at']).execute();
  await db.schema.createIndex('inbox_events_order').on('inbox_events').column('order_id').execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('total_amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('order_ref', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('checkout_session_id', 'text')
    .addColumn('payment_intent_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_refunded', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('paid_at', 'bigint')
    .addColumn('review_reason', 'text')
    .addColumn('fulfill', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('entitlement', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('access_token', 'text')
    .addColumn('fulfilled_at', 'bigint')
    .execute();
  // Both dialects let several NULLs coexist under a unique index, so only attached ids must be unique.
  await db.schema.createIndex('orders_checkout_session').unique().on('orders').column('checkout_session_id').execute();
  await db.schema.createIndex('orders_payment_intent').unique().on('orders').column('payment_intent_id').execute();
  await db.schema.createIndex('orders_access_token').unique().on('orders').column('access_token').execute();
  await db.schema.createIndex('orders_status_created').on('orders').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('order_facts')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('fact_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('fact', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    // The same fact delivered twice (webhook and verify, or a Stripe retry) is one row.
    .addPrimaryKeyConstraint('order_facts_pk', ['order_id', 'fact_key'])
    .execute();

  await db.schema
    .createTable('fulfillments')
    // The one place exactly-once is enforced: a second fulfillment of an order cannot exist.
    .addColumn('order_id', 'text', (c) => c.primaryKey().references('orders.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('fulfilled_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    // Re-running the same application must not queue the same message twice.
    .addUniqueConstraint('outbox_dedupe', ['order_id', 'kind', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('outbox_claim').on('outbox').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('outbox_lease').on('outbox').columns(['status', 'locked_until']).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
