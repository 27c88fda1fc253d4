import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { TEST_DATABASE_URL, probePostgres } from '../../support/stores.js';
import { orderTerms } from './fixtures.js';

const postgresUnreachable = (await probePostgres()) !== undefined && process.env.SETTLED_REQUIRE_PG !== '1';

describe('openStore', () => {
  it('creates the SQLite file and its folder, in WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settled-open-'));
    const path = join(dir, 'nested', 'data', 'settled.db');
    try {
      const store = await openStore({ kind: 'sqlite', path });
      await store.migrate();
      await store.close();
      expect(existsSync(path)).toBe(true);
      const raw = new BetterSqlite3(path);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(postgresUnreachable)("over a caller's pool, reads times as numbers and leaves the pool open on close", async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    const schema = `t_${randomBytes(6).toString('hex')}`;
    try {
      const store = await openStore({ kind: 'postgres', pool, schema });
      await store.migrate();
      await store.orders.create(orderTerms({ createdAt: 1_700_000_000_123 }));
      expect((await store.orders.get('ord_1'))?.createdAt).toBe(1_700_000_000_123);
      expect(await store.inbox.stats()).toMatchObject({ oldestPendingAt: null });
      await store.close();
      const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from "${schema}".orders`);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    }
  });

  it('refuses a PostgreSQL schema name it would have to quote', async () => {
    await expect(openStore({ kind: 'postgres', connectionString: TEST_DATABASE_URL, schema: 'x"; drop' })).rejects.toThrow(/schema name/);
  });
});
