import { sql, type Kysely } from 'kysely';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * Every webhook inserts an inbox row, so each index on it is paid at ingest. Two were not earning that:
 * - (status, locked_until) served the claim's "lease expired" branch, which (status, run_at) serves as well: only
 *   the few events being processed have status 'processing';
 * - order_id is null until an event is processed, and only ever looked up by value: a partial index skips the nulls.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.dropIndex('inbox_events_lease').execute();
  await db.schema.dropIndex('inbox_events_order').execute();
  await db.schema.createIndex('inbox_events_order').on('inbox_events').column('order_id').where(sql.ref('order_id'), 'is not', null).execute();
}
