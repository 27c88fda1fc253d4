import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { DatabaseIntrospector } from 'kysely';
import type { Database } from '../database.js';
import { TableListIntrospector } from './introspector.js';

const INT8_OID = 20;
const DEFAULT_POOL_SIZE = 10;

export type PostgresConnectOptions =
  | { readonly connectionString: string; readonly schema?: string; readonly poolSize?: number }
  | { readonly pool: pg.Pool; readonly schema?: string };

export interface PostgresConnection {
  readonly db: Kysely<Database>;
  /** The schema our tables (and Kysely's migration tables) live in. */
  readonly schema: string;
  /** The pool under Kysely, for the few statements Kysely cannot send (named ones). */
  readonly pool: pg.Pool;
  /** Ends the pool only if we created it; a caller's pool stays theirs. */
  close(): Promise<void>;
}

export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`"${name}" is not a usable PostgreSQL schema name: use letters, digits and underscores, starting with a letter.`);
  }
  return `"${name}"`;
}

/** Kysely's PostgreSQL dialect, with an introspector that does not fail when other schemas change meanwhile. */
class SettledPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new TableListIntrospector(db);
  }
}

function createPool(connectionString: string, poolSize: number): pg.Pool {
  // Times are unix milliseconds in bigint columns; they fit a JS number exactly.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', (value: string) => Number(value));
  return new pg.Pool({ connectionString, max: poolSize, types });
}

export async function connectPostgres(options: PostgresConnectOptions): Promise<PostgresConnection> {
  const searchPath = options.schema === undefined ? undefined : quoteIdentifier(options.schema);
  const ownsPool = 'connectionString' in options;
  const pool = ownsPool ? createPool(options.connectionString, options.poolSize ?? DEFAULT_POOL_SIZE) : options.pool;
  const db = new Kysely<Database>({
    dialect: new SettledPostgresDialect({
      pool,
      // search_path is per session, so every pooled connection gets it when Kysely first uses it.
      onCreateConnection: async (connection) => {
        if (searchPath !== undefined) await connection.executeQuery(CompiledQuery.raw(`set search_path to ${searchPath}`));
      },
    }),
  });
  try {
    const schema = options.schema ?? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
    if (!schema) throw new Error('PostgreSQL reported no current schema; pass `schema` explicitly.');
    return {
      db,
      schema,
      pool,
      close: async () => {
        if (ownsPool) await db.destroy();
      },
    };
  } catch (error) {
    if (ownsPool) await db.destroy();
    throw error;
  }
}
