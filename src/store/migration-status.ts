import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import type { MigrationStatus } from './types.js';

class KnownMigrations implements MigrationProvider {
  constructor(private readonly known: Record<string, Migration>) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(this.known);
  }
}

/** Which of this code's migrations the database has run, without running any (for `settled doctor`). */
export async function migrationStatus(db: Kysely<Database>, known: Record<string, Migration>, schema: string | undefined): Promise<MigrationStatus> {
  const migrator = new Migrator({
    db,
    provider: new KnownMigrations(known),
    migrationTableName: 'kysely_migration',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const all = await migrator.getMigrations();
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
