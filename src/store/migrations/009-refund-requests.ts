import type { Kysely } from 'kysely';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * The refunds an operator asked Stripe for (dashboard or CLI), one row per Stripe refund: until Stripe's
 * charge.refunded is processed the order does not change, and this is how the dashboard knows one is on its way.
 * refunded_before is what the order had refunded when it was asked (the idempotency key's second part).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('refund_requests')
    .addColumn('refund_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('refunded_before', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refund_requests_order').on('refund_requests').columns(['order_id', 'requested_at']).execute();
}
