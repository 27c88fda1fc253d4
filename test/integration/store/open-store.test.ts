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

  it.skipIf(postgresUnreachable)("two stores' events over one caller's connection each go into their own schema", async () => {
    // The inbox's named statement is prepared per connection: both stores' versions live on this one side by side.
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const schemas = [`t_${randomBytes(6).toString('hex')}`, `t_${randomBytes(6).toString('hex')}`];
    try {
      const stores = await Promise.all(schemas.map((schema) => openStore({ kind: 'postgres', pool, schema })));
      for (const store of stores) await store.migrate();
      const event = (id: string) => ({ id, type: 'charge.succeeded', payload: `{"id":"${id}"}`, source: 'webhook' as const, receivedAt: 1_000 });
      for (let round = 0; round < 3; round++) {
        expect(await stores[0]?.inbox.add([event(`evt_a${round}`), event('evt_shared')])).toEqual([
          { id: `evt_a${round}`, inserted: true },
          { id: 'evt_shared', inserted: round === 0 },
        ]);
        expect(await stores[1]?.inbox.add([event('evt_shared'), event(`evt_b${round}`)])).toEqual([
          { id: 'evt_shared', inserted: round === 0 },
          { id: `evt_b${round}`, inserted: true },
        ]);
      }
      for (const [index, schema] of schemas.entries()) {
        const { rows } = await pool.query<{ id: string }>(`select id from "${schema}".inbox_events order by id`);
        const own = index === 0 ? 'a' : 'b';
        expect(rows.map((row) => row.id)).toEqual([`evt_${own}0`, `evt_${own}1`, `evt_${own}2`, 'evt_shared']);
      }
      // The statement names its schema: whatever search_path the caller's connection has, the events go there.
      await pool.query('set search_path to public');
      expect(await stores[1]?.inbox.add([event('evt_b3')])).toEqual([{ id: 'evt_b3', inserted: true }]);
      const { rows } = await pool.query<{ payload: string }>(`select payload from "${schemas[1]}".inbox_payloads where event_id = 'evt_b3'`);
      expect(rows).toEqual([{ payload: '{"id":"evt_b3"}' }]);
      for (const store of stores) await store.close();
    } finally {
      for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    }
  });

  it('refuses a PostgreSQL schema name it would have to quote', async () => {
    await expect(openStore({ kind: 'postgres', connectionString: TEST_DATABASE_URL, schema: 'x"; drop' })).rejects.toThrow(/schema name/);
  });
});
