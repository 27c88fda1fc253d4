import { sql } from 'kysely';
import type { StoreContext } from './database.js';
import { isStoreUnavailable } from './errors.js';
import type { SqliteWriteThread } from './sqlite/write-thread-client.js';
import type { StoreHealth, StoreHealthReport } from './types.js';

export interface StoreHealthOptions {
  /** SQLite: the probe writes where the inbox writes, on the write thread, so its fsync never blocks requests. */
  readonly sqliteWriter?: SqliteWriteThread | undefined;
  /** The longest a probe may take before it counts as failing. */
  readonly probeTimeoutMs?: number;
  /** With no write failure seen, writing is probed at most this often (a quiet store still finds out its disk is full). */
  readonly writeProbeIntervalMs?: number;
}

const PROBE_KEY = 'health.write_probe';
const SQLITE_PROBE_SQL =
  'insert into settings (key, value, updated_at) values (?, ?, ?) on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at';

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether the store can read and write now. Reads are asked each time (one trivial query); writes are judged by
 * the store's own recent writes, and probed with a one-row write when the last one failed (to see it recover) or
 * when none has been seen for a while. A database that answers reads while its disk is full is not ready.
 */
export function storeHealth(context: StoreContext, options: StoreHealthOptions = {}): StoreHealth {
  const probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
  const writeProbeIntervalMs = options.writeProbeIntervalMs ?? 10_000;
  let lastWriteOk = true;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let lastWriteError: string | undefined;
  let probing: Promise<void> | undefined;

  const record = (ok: boolean, error?: unknown): void => {
    lastWriteOk = ok;
    lastWriteAt = performance.now();
    lastWriteError = ok ? undefined : error instanceof Error ? error.message : String(error);
  };

  const writeProbe = async (): Promise<void> => {
    const value = String(Date.now());
    if (options.sqliteWriter) {
      await options.sqliteWriter.transaction([{ sql: SQLITE_PROBE_SQL, params: [PROBE_KEY, value, Date.now()] }]);
      return;
    }
    await context.db
      .insertInto('settings')
      .values({ key: PROBE_KEY, value, updated_at: Date.now() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: Date.now() }))
      .execute();
  };

  const probeWrites = (): Promise<void> => {
    // One probe at a time, however many probes of /readyz arrive together.
    probing ??= withinMs(writeProbe(), probeTimeoutMs)
      .then(() => record(true), (error: unknown) => record(false, error))
      .finally(() => {
        probing = undefined;
      });
    return probing;
  };

  return {
    recordWrite(outcome) {
      if (outcome.ok) record(true);
      // A refused row (a unique violation, a bug) says nothing about whether the store can write.
      else if (isStoreUnavailable(outcome.error)) record(false, outcome.error);
    },

    async check(): Promise<StoreHealthReport> {
      let read: StoreHealthReport['read'] = 'ok';
      let readError: string | undefined;
      try {
        await withinMs(sql`select 1`.execute(context.db), probeTimeoutMs);
      } catch (error) {
        read = 'failing';
        readError = error instanceof Error ? error.message : String(error);
      }
      // A store that cannot read is asked whether it can write too, rather than trusted on its last success.
      if (read === 'failing' || !lastWriteOk || performance.now() - lastWriteAt > writeProbeIntervalMs) await probeWrites();
      return {
        read,
        write: lastWriteOk ? 'ok' : 'failing',
        ...(readError === undefined ? {} : { readError }),
        ...(lastWriteOk || lastWriteError === undefined ? {} : { writeError: lastWriteError }),
      };
    },
  };
}
