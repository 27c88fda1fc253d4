import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { DatabaseIntrospector } from 'kysely';
import { DEFAULTS } from '../../defaults.js';
import type { Database } from '../database.js';
import { TableListIntrospector } from './introspector.js';

const INT8_OID = 20;

/** How long the database may take before a request gives up on it; each failure is a 503 and a retry, never a hang. */
export interface PostgresTimeouts {
  /** statement_timeout: the longest any one statement may run (migrations are exempt). */
  readonly statementMs: number;
  /** lock_timeout: the longest a statement waits for a row or table lock held by another transaction. */
  readonly lockMs: number;
  /** How long to wait for a connection, from the pool or a new one to the server. */
  readonly connectMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementMs: DEFAULTS.database.statementTimeoutMs,
  lockMs: DEFAULTS.database.lockTimeoutMs,
  connectMs: DEFAULTS.database.connectTimeoutMs,
};

export type PostgresConnectOptions = (
  | { readonly connectionString: string; readonly schema?: string; readonly poolSize?: number; readonly timeouts?: Partial<PostgresTimeouts> }
  | { readonly pool: pg.Pool; readonly schema?: string }
) & {
  /**
   * Told about every error on an idle or busy connection (the server restarted, a failover, an idle timeout).
   * Such an error never ends the process: the broken connection is dropped and the next query opens another.
   */
  readonly onConnectionError?: (error: Error) => void;
};

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

function createPool(connectionString: string, poolSize: number, timeouts: PostgresTimeouts): pg.Pool {
  // Times are unix milliseconds in bigint columns; they fit a JS number exactly.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', (value: string) => Number(value));
  return new pg.Pool({
    connectionString,
    max: poolSize,
    types,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    // A transaction left open by a stalled process would hold its row locks for everyone else.
    idle_in_transaction_session_timeout: Math.max(60_000, timeouts.statementMs * 4),
    connectionTimeoutMillis: timeouts.connectMs,
    // Notices a peer that vanished without a FIN (a failover, a dropped NAT entry) instead of waiting forever.
    keepAlive: true,
  });
}

/*
 * pg reports a connection that dies as an 'error' event: on the pool while the client is idle, on the client while
 * it is checked out. Either one with no listener ends the process, so every client gets one when it is made. The
 * query that was running fails on its own (the caller sees it), and pg drops the broken client on release.
 */
function surviveConnectionErrors(pool: pg.Pool, onError: (error: Error) => void): void {
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
}

export async function connectPostgres(options: PostgresConnectOptions): Promise<PostgresConnection> {
  const searchPath = options.schema === undefined ? undefined : quoteIdentifier(options.schema);
  const ownsPool = 'connectionString' in options;
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...(ownsPool ? options.timeouts : {}) };
  const pool = ownsPool ? createPool(options.connectionString, options.poolSize ?? DEFAULTS.database.poolSize, timeouts) : options.pool;
  // A caller's pool is theirs to watch too, but a connection error must not end the process either way.
  surviveConnectionErrors(pool, options.onConnectionError ?? (() => undefined));
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
