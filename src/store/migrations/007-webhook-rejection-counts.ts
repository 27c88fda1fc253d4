import type { Kysely } from 'kysely';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * Refused webhook requests past the first few per address and minute are counted here instead of one delivery-log
 * row each (decision 007): a flood of forgeries costs rows per minute, not per request. The key is what an upsert
 * adds to; it starts with the minute, so pruning by age reads it in order.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('webhook_rejection_counts')
    .addColumn('minute_start', 'bigint', (c) => c.notNull())
    .addColumn('source_address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('request_count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_rejection_counts_pk', ['minute_start', 'source_address', 'reason'])
    .execute();
}
