import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import { SchemaTooNewError } from './errors.js';

const MIGRATION_TABLE = 'kysely_migration';

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly known: Record<string, Migration>) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.known);
  }
}

/**
 * Applies pending migrations. Kysely's Migrator serialises concurrent runs: a PostgreSQL advisory lock, and on
 * SQLite the immediate transaction our dialect opens. `schema` pins Kysely's own tables to our schema, since
 * its existence check otherwise matches a same-named table in any schema.
 */
export async function migrate(db: Kysely<Database>, known: Record<string, Migration>, schema: string | undefined, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') return migrateOn(db, known, schema);
  // PostgreSQL: the pool's statement and lock timeouts bound requests, not a migration rewriting a large table or
  // waiting for another process's migration lock; those run on one connection with the timeouts lifted.
  await db.connection().execute(async (connection) => {
    await sql`set statement_timeout = 0`.execute(connection);
    await sql`set lock_timeout = 0`.execute(connection);
    try {
      await migrateOn(connection, known, schema);
    } finally {
      await sql`reset statement_timeout`.execute(connection).catch(() => undefined);
      await sql`reset lock_timeout`.execute(connection).catch(() => undefined);
    }
  });
}

async function migrateOn(db: Kysely<Database>, known: Record<string, Migration>, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(known),
    migrationTableName: MIGRATION_TABLE,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateToLatest();
  if (error === undefined) return;
  // Kysely refuses (as "corrupted migrations") when the database ran one we don't know; name it plainly.
  const unknown = await unknownMigrations(db, known, schema);
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
  throw error;
}

async function unknownMigrations(db: Kysely<Database>, known: Record<string, Migration>, schema: string | undefined): Promise<string[]> {
  const table = schema === undefined ? sql.table(MIGRATION_TABLE) : sql.table(`${schema}.${MIGRATION_TABLE}`);
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table} order by name`.execute(db);
    return rows.map((row) => row.name).filter((name) => !(name in known));
  } catch {
    return [];
  }
}
