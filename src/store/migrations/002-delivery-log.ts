import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('source_address', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text')
    // Kept only for accepted requests: a rejected body is unauthenticated input and not worth storing.
    .addColumn('signature_header', 'text')
    .addColumn('body', 'text')
    .execute();
  // The operator reads newest first and pruning deletes oldest first; both go by arrival.
  await db.schema.createIndex('webhook_deliveries_received').on('webhook_deliveries').column('received_at').execute();
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
}
