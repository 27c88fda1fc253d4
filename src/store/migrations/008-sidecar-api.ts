import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * The sidecar API: the answers it gave per Idempotency-Key (a retried request gets the same one, across restarts and
 * processes), and one row per attempt to deliver a notification to the shop's backend. The outbox index serves the
 * pull API, which reads one kind of message in id order after a cursor.
 */
export async function up(db: AnyDatabase, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('api_idempotency_keys')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // 'running' while the first request is being answered (until locked_until), then 'done' with its answer.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    // 'delivered' (2xx) or 'failed': a status outside 2xx, a timeout, a refused connection.
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('notification_attempts_outbox').on('notification_attempts').columns(['outbox_id', 'id']).execute();
  await db.schema.createIndex('outbox_kind_id').on('outbox').columns(['kind', 'id']).execute();
}
