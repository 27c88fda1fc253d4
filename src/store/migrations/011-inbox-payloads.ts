import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { lz4Offered } from './006-payload-compression.js';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * An event's payload moves out of its inbox row into a table of its own. The row is a queue entry: its claim and
 * its completion each rewrite it, and both databases rewrite a row whole, payload (2–10 KB) and all. Measured on
 * this change's prototype (6,000 events of 3.1 KB, a claim and a completion each): SQLite wrote 2.7 WAL frames per
 * event for the two, 0.8 with the payload apart, and spent about half the CPU; PostgreSQL wrote 5.4 KB of WAL per
 * event, 1.4 apart, and its server spent 85 µs per event instead of 140. Storing an event costs one more insert
 * (about 0.9 frame on SQLite, 15 µs of the PostgreSQL server's CPU): it is written once, and rewritten twice.
 *
 * The payload is the event's JSON text as it arrived, never changed after; its row goes with its event.
 */
export async function up(db: AnyDatabase, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('inbox_payloads')
    .addColumn('event_id', 'text', (c) => c.primaryKey().references('inbox_events.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  // As 006 did for the column: PostgreSQL compresses a Stripe event, and lz4 costs its server less than pglz.
  if (dialect === 'postgres' && (await lz4Offered(db))) await sql`alter table inbox_payloads alter column payload set compression lz4`.execute(db);
  await sql`insert into inbox_payloads (event_id, payload) select id, payload from inbox_events`.execute(db);
  await db.schema.alterTable('inbox_events').dropColumn('payload').execute();
}
