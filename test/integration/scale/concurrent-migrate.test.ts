import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/migrations/index.js';
import { createScratchSchema, postgresReachable, ProcessGroup, type ScratchSchema } from './scratch-database.js';

const SUITE = 'ten settled migrate processes at once';
const TABLES = ['fulfillments', 'inbox_events', 'order_facts', 'orders', 'outbox', 'settings'];

const runnable = await postgresReachable(SUITE);

describe.skipIf(!runnable)(SUITE, () => {
  const processes = new ProcessGroup();
  let schema: ScratchSchema | undefined;

  afterEach(async () => {
    await processes.cleanup();
    await schema?.drop();
  });

  it('leave one consistent schema: every migration applied once, every table in place', { timeout: 90_000 }, async () => {
    schema = await createScratchSchema();
    const runs = Array.from({ length: 10 }, () =>
      processes.start(['migrate'], { DATABASE_URL: schema!.url, DATABASE_POOL_SIZE: '2', DATA_DIR: processes.tempDir() }),
    );
    const codes = await Promise.all(runs.map((run) => run.exited()));
    expect(codes, runs.map((run) => run.output()).join('\n')).toEqual(Array.from({ length: 10 }, () => 0));
    for (const run of runs) expect(run.output()).toContain('migrations applied (postgres)');

    const applied = await schema.query<{ name: string }>('select name from kysely_migration order by name');
    expect(applied.map((row) => row.name)).toEqual(Object.keys(migrations('postgres')).sort());
    const tables = await schema.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [schema.name],
    );
    expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(TABLES));
  });
});
