import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, QueryResult, SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import type { Database } from '../database.js';

/** How long a statement waits for another connection's write lock before it gives up with SQLITE_BUSY. */
const LOCK_WAIT_MS = 10_000;
const MAX_RETRY_DELAY_MS = 25;

function isBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/*
 * better-sqlite3 is synchronous, so SQLite's own busy_timeout would block the event loop while waiting — and
 * could never be released by another connection in the same process. We wait asynchronously instead: a
 * statement that met a lock did nothing, so running it again is safe.
 */
async function whenUnlocked<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, MAX_RETRY_DELAY_MS)) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await delay(wait);
    }
  }
}

class WaitingConnection implements DatabaseConnection {
  inTransaction = false;
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const run = async () => this.inner.executeQuery<R>(query);
    // Inside our transaction we already hold the write lock, and WAL readers never wait for it.
    return this.inTransaction ? run() : whenUnlocked(run);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/*
 * A deferred BEGIN takes the write lock only at the first write; under WAL a transaction that read first then
 * cannot upgrade (SQLITE_BUSY_SNAPSHOT) and must fail. Taking the lock up front makes writers queue instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  #connection: WaitingConnection | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= new WaitingConnection(inner);
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const waiting = connection as WaitingConnection;
    await whenUnlocked(async () => waiting.inner.executeQuery(CompiledQuery.raw('begin immediate')));
    waiting.inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const waiting = connection as WaitingConnection;
    await waiting.inner.executeQuery(CompiledQuery.raw('commit'));
    waiting.inTransaction = false;
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const waiting = connection as WaitingConnection;
    waiting.inTransaction = false;
    await waiting.inner.executeQuery(CompiledQuery.raw('rollback'));
  }
}

/* SQLite does run DDL inside transactions; saying so makes Kysely's Migrator wrap each run in one (immediate)
 * transaction, which is what serialises concurrent migrate() calls from several processes. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class SettledSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Compiled statements kept on the main connection, the most recently used first out last. */
const STATEMENT_CACHE_SIZE = 256;

/*
 * Kysely prepares every query it runs, and better-sqlite3 compiles the SQL at each prepare (a profile of the outbox
 * put a fifth of its event-loop time there). The same texts come back (one per query-builder chain, per list length),
 * so the compiled statements are kept. A statement is reusable once its call has returned, and better-sqlite3 is
 * synchronous; settled never streams (iterate) from this connection.
 */
export function withStatementCache(database: BetterSqlite3.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql) as SqliteStatement;
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      } else {
        cache.delete(sql);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

export function connectSqlite(path: string): Kysely<Database> {
  mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  // Opening may meet another process's lock; that wait is short and happens once.
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  // FULL: the inbox acknowledges Stripe only after a commit that survives power loss.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  // From here on lock waits are asynchronous (see whenUnlocked).
  database.pragma('busy_timeout = 0');
  return new Kysely<Database>({ dialect: new SettledSqliteDialect({ database: withStatementCache(database) }) });
}
