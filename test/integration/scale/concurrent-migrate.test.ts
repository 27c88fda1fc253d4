import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/migrations/index.js';
import type { CliRun } from '../../support/cli.js';
import { createScratchDatabase, postgresReachable, ProcessGroup, waitUntil, type ScratchDatabase } from './scratch-database.js';

const SUITE = 'ten settled migrate processes at once';
const PROCESSES = 10;
const TABLES = ['fulfillments', 'inbox_events', 'inbox_payloads', 'order_facts', 'orders', 'outbox', 'settings'];

const runnable = await postgresReachable(SUITE);

describe.skipIf(!runnable)(SUITE, () => {
  const processes = new ProcessGroup();
  let database: ScratchDatabase | undefined;
  let gate: Kysely<Record<string, never>> | undefined;

  afterEach(async () => {
    await processes.cleanup();
    await gate?.destroy();
    await database?.drop();
  });

  it('queue on the migration lock together and leave one consistent schema: each migration applied once, every table in place', { timeout: 180_000 }, async () => {
    database = await createScratchDatabase();
    // Hold the migrator's own advisory lock, so that the ten processes, however unevenly they start, all wait at it
    // together before any migrates. One connection that never idles out: the lock belongs to that session.
    gate = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1, idleTimeoutMillis: 0 }) }) });
    const lock = { lockTable: 'kysely_migration_lock', lockRowId: 'migration_lock' };
    await gate.getExecutor().adapter.acquireMigrationLock(gate, lock);

    const runs: CliRun[] = Array.from({ length: PROCESSES }, () =>
      processes.start(['migrate'], { DATABASE_URL: database!.url, DATABASE_POOL_SIZE: '2', DATA_DIR: processes.tempDir() }),
    );
    const outputs = async (): Promise<string> => runs.map((run, n) => `--- process ${n} (exit ${run.child.exitCode}):\n${run.output()}`).join('\n');
    await waitUntil(
      async () => {
        const [waiting] = await database!.query<{ count: number }>(
          "select count(*)::int as count from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and not l.granted and d.datname = $1",
          [database!.name],
        );
        return waiting?.count === PROCESSES ? true : undefined;
      },
      150_000,
      outputs,
    );
    await gate.getExecutor().adapter.releaseMigrationLock(gate, lock);

    const codes = await Promise.all(runs.map((run) => run.exited()));
    expect(codes, await outputs()).toEqual(Array.from({ length: PROCESSES }, () => 0));
    for (const run of runs) expect(run.output()).toContain('migrations applied (postgres)');

    const applied = await database.query<{ name: string }>('select name from kysely_migration order by name');
    expect(applied.map((row) => row.name)).toEqual(Object.keys(migrations('postgres')).sort());
    const tables = await database.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
    expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(TABLES));
  });
});
