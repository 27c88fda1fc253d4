import type pg from 'pg';
import { connectPostgres, type PostgresTimeouts } from './postgres/connect.js';
import { connectSqlite } from './sqlite/connect.js';
import { SqliteWriteThread } from './sqlite/write-thread-client.js';
import { createStore } from './store.js';
import type { Store } from './types.js';

export type OpenStoreOptions =
  | { readonly kind: 'sqlite'; readonly path: string }
  | ({ readonly kind: 'postgres'; readonly connectionString: string; readonly schema?: string; readonly poolSize?: number; readonly timeouts?: Partial<PostgresTimeouts> } & ConnectionErrors)
  /** The pool stays the caller's: close() leaves it open. With `schema`, each of its clients gets our search_path. */
  | ({ readonly kind: 'postgres'; readonly pool: pg.Pool; readonly schema?: string } & ConnectionErrors);

interface ConnectionErrors {
  /** Told when a database connection breaks (the process stays up; the next query reconnects). */
  readonly onConnectionError?: (error: Error) => void;
}

/** Opens a store. It does not migrate: call `store.migrate()` (the CLI's `migrate`, or once at start). */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.kind === 'sqlite') {
    const db = connectSqlite(options.path);
    const writeThread = new SqliteWriteThread(options.path);
    const close = async () => {
      await writeThread.close();
      await db.destroy();
    };
    return createStore({ db, dialect: 'sqlite' }, { schema: undefined, inboxWriter: { sqlite: writeThread }, close });
  }
  const connection = await connectPostgres(options);
  return createStore(
    { db: connection.db, dialect: 'postgres' },
    { schema: connection.schema, inboxWriter: { postgres: { pool: connection.pool, schema: connection.schema } }, close: connection.close },
  );
}

export { OrderConflictError, OrderNotFoundError, SchemaTooNewError, StoreUnavailableError, isStoreUnavailable } from './errors.js';
export { NOTICE_KINDS as OUTBOX_KINDS } from '../domain/order-notices.js';
export type { NoticeKind as OutboxKind } from '../domain/order-notices.js';
export { INBOX_STATUSES } from './types.js';
export type * from './types.js';
export type { PostgresTimeouts } from './postgres/connect.js';
export { DEFAULT_POSTGRES_TIMEOUTS } from './postgres/connect.js';
