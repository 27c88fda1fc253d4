import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * PostgreSQL compresses a text value over about 2 KB, and a Stripe event is 2–10 KB, so every webhook paid for
 * pglz on its payload. lz4 takes measurably less of the server's CPU per event (about a fifth of what PostgreSQL
 * spent per stored webhook, in the ingest benchmark's statement). Only servers built with lz4 (PostgreSQL 14 and
 * later; the usual packages and hosted services are) offer it; elsewhere the column keeps pglz. Rows stored
 * before keep their compression: PostgreSQL reads both. SQLite does not compress.
 */
export async function up(db: AnyDatabase, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres' || !(await lz4Offered(db))) return;
  await sql`alter table inbox_events alter column payload set compression lz4`.execute(db);
}

/** Whether this PostgreSQL server was built with lz4 (011 asks too, for the payloads' own table). */
export async function lz4Offered(db: AnyDatabase): Promise<boolean> {
  const { rows } = await sql<{ lz4: boolean }>`
    select coalesce(bool_or('lz4' = any(enumvals)), false) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(db);
  return rows[0]?.lz4 === true;
}
