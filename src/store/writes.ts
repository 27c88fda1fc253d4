import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { isStoreUnavailable } from './errors.js';
import type { SqliteValue, SqliteWriteThread } from './sqlite/write-thread-client.js';
import { STALE_CODE } from './sqlite/write-thread-client.js';

/** A write statement, and optionally how many rows it must change for its request to be kept. */
export interface GuardedQuery {
  readonly query: CompiledQuery;
  readonly expectChanges?: number;
}

export type WriteResult =
  | { readonly ok: true; readonly changes: readonly number[]; readonly rows: readonly (readonly unknown[])[] }
  | { readonly ok: false; readonly error: unknown };

/**
 * Where the queues and the worker's batches write: requests (each a list of statements, all or nothing on its own)
 * committed together, one durable commit for all. On SQLite that is the write thread, whose commit the webhook
 * intake shares and whose fsync never stops this thread's event loop; on PostgreSQL one transaction.
 * A request whose guard fails is refused with `isStale(error)`; the store's own failures reject the whole call.
 */
export interface StoreWriter {
  run(requests: readonly (readonly GuardedQuery[])[]): Promise<WriteResult[]>;
}

export function isStale(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === STALE_CODE;
}

class StaleError extends Error {
  readonly code = STALE_CODE;
}

export function sqliteWriter(thread: SqliteWriteThread): StoreWriter {
  return {
    async run(requests) {
      const results = await thread.run(
        requests.map((request) =>
          request.map(({ query, expectChanges }) => ({ sql: query.sql, params: query.parameters as readonly SqliteValue[], expectChanges })),
        ),
      );
      for (const result of results) if (!result.ok && isStoreUnavailable(result.error)) throw result.error;
      return results.map((result) => (result.ok ? { ok: true, changes: result.changes, rows: result.rows.map((rows) => rows ?? []) } : result));
    },
  };
}

/** PostgreSQL: one transaction; each request under a savepoint when there are several, so one refused keeps the rest. */
export function postgresWriter(db: Kysely<Database>): StoreWriter {
  return {
    async run(requests) {
      try {
        return await inOneTransaction(db, requests);
      } catch (error) {
        // A lone request that failed for itself is refused like any other; the database's own failure is thrown.
        if (isStoreUnavailable(error) || requests.length > 1) throw error;
        return [{ ok: false, error }];
      }
    },
  };
}

function inOneTransaction(db: Kysely<Database>, requests: readonly (readonly GuardedQuery[])[]): Promise<WriteResult[]> {
  return db.transaction().execute(async (trx) => {
    const isolate = requests.length > 1;
    const results: WriteResult[] = [];
    for (const request of requests) {
      if (isolate) await trx.executeQuery(CompiledQuery.raw('savepoint settled_request'));
      try {
        const changes: number[] = [];
        const rows: unknown[][] = [];
        for (const { query, expectChanges } of request) {
          const result = await trx.executeQuery(query);
          const changed = Number(result.numAffectedRows ?? BigInt(result.rows.length));
          if (expectChanges !== undefined && changed !== expectChanges) throw new StaleError('the rows this write guards have changed');
          changes.push(changed);
          rows.push(result.rows);
        }
        if (isolate) await trx.executeQuery(CompiledQuery.raw('release savepoint settled_request'));
        results.push({ ok: true, changes, rows });
      } catch (error) {
        if (isStoreUnavailable(error) || !isolate) throw error;
        await trx.executeQuery(CompiledQuery.raw('rollback to savepoint settled_request'));
        results.push({ ok: false, error });
      }
    }
    return results;
  });
}
