import type { Kysely } from 'kysely';

/* Migrations see the database as it was when they were written, not as today's types describe it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place Kysely's schema builder needs it
type AnyDatabase = Kysely<any>;

/*
 * An accepted delivery's body is its event's payload, which the inbox keeps: a second copy in the log doubled
 * what every webhook wrote to disk. The log keeps who sent what, when, and how it ended; the bytes stay in
 * inbox_events under the same event id.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').dropColumn('body').execute();
}
