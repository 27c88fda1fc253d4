/**
 * Run one test suite over every real database the Store supports.
 *
 *   import { describeEachStore } from '../../support/stores.js';
 *
 *   describeEachStore('inbox', (ctx) => {
 *     it('keeps one row per event id', async () => {
 *       await ctx.store.inbox.add([...]);          // a fresh, migrated store for this test
 *     });
 *   });
 *
 * This registers `inbox (sqlite)` and `inbox (postgres)`. Each test gets its own database: a SQLite file in a
 * fresh temp dir, or a fresh PostgreSQL schema `t_<random>` (dropped afterwards) in the database at
 * TEST_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
 * When PostgreSQL is unreachable its cases are skipped with a console message, unless SETTLED_REQUIRE_PG=1 (CI),
 * which makes them fail instead.
 *
 * ctx.openAnother() opens a second store on the same database, as another process would (closed for you).
 * ctx.execute(sql) runs raw SQL on the same database (for tests that must reach past the Store).
 * ctx.migrateThrough(name) applies the migrations up to and including `name` only, as an older settled would have.
 * Pass { migrate: false } to get stores that have not been migrated yet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import type { Database, Dialect } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { connectPostgres } from '../../src/store/postgres/connect.js';
import { connectSqlite } from '../../src/store/sqlite/connect.js';
import type { Kysely } from 'kysely';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreTestContext {
  readonly kind: StoreKind;
  /** Fresh for each test; migrated unless the suite asked for { migrate: false }. */
  readonly store: Store;
  /** Another store on the same database (another process, as far as the database can tell). */
  openAnother(options?: { poolSize?: number }): Promise<Store>;
  /** Raw SQL on the test's database; returns the rows. */
  execute(statement: string): Promise<Record<string, unknown>[]>;
  /** Migrates the test's database through the named migration and no further. */
  migrateThrough(name: string): Promise<void>;
}

export interface DescribeEachStoreOptions {
  readonly migrate?: boolean;
}

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const requirePostgres = process.env.SETTLED_REQUIRE_PG === '1';
const POOL_SIZE = 5;

let postgresProbe: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL at TEST_DATABASE_URL answers, or to the reason it does not. */
export function probePostgres(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

async function withPostgresClient<T>(schema: string | undefined, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    if (schema !== undefined) await client.query(`set search_path to "${schema}"`);
    return await use(client);
  } finally {
    await client.end();
  }
}

interface World {
  open(options?: { poolSize?: number }): Promise<Store>;
  execute(statement: string): Promise<Record<string, unknown>[]>;
  /** Kysely on the test's database, with what migrate() needs to know of it; ended by the caller. */
  connect(): Promise<{ db: Kysely<Database>; schema: string | undefined; dialect: Dialect; close(): Promise<void> }>;
  destroy(): Promise<void>;
}

async function migrateThrough(world: World, name: string): Promise<void> {
  const { db, schema, dialect, close } = await world.connect();
  try {
    const all = migrations(dialect);
    if (!(name in all)) throw new Error(`There is no migration ${name}.`);
    await migrate(db, Object.fromEntries(Object.entries(all).filter(([known]) => known <= name)), schema, dialect);
  } finally {
    await close();
  }
}

function sqliteWorld(): World {
  const dir = mkdtempSync(join(tmpdir(), 'settled-store-'));
  const path = join(dir, 'data', 'settled.db');
  return {
    open: () => openStore({ kind: 'sqlite', path }),
    async execute(statement) {
      const database = new BetterSqlite3(path);
      try {
        database.pragma('busy_timeout = 5000');
        const prepared = database.prepare(statement);
        if (prepared.reader) return prepared.all() as Record<string, unknown>[];
        prepared.run();
        return [];
      } finally {
        database.close();
      }
    },
    async connect() {
      const db = connectSqlite(path);
      return { db, schema: undefined, dialect: 'sqlite', close: () => db.destroy() };
    },
    async destroy() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresWorld(): World {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    async open(options) {
      return openStore({ kind: 'postgres', connectionString: TEST_DATABASE_URL, schema, poolSize: options?.poolSize ?? POOL_SIZE });
    },
    async execute(statement) {
      return withPostgresClient(schema, async (client) => (await client.query(statement)).rows as Record<string, unknown>[]);
    },
    async connect() {
      const connection = await connectPostgres({ connectionString: TEST_DATABASE_URL, schema, poolSize: 1 });
      return { db: connection.db, schema: connection.schema, dialect: 'postgres', close: () => connection.close() };
    },
    async destroy() {
      await withPostgresClient(undefined, (client) => client.query(`drop schema if exists "${schema}" cascade`));
    },
  };
}

export function describeEachStore(name: string, define: (ctx: StoreTestContext) => void, options: DescribeEachStoreOptions = {}): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe(`${name} (${kind})`, () => {
      let unavailable: string | undefined;
      let world: World | undefined;
      let current: Store | undefined;
      const opened: Store[] = [];

      beforeAll(async () => {
        if (kind !== 'postgres') return;
        unavailable = await probePostgres();
        if (unavailable === undefined) return;
        if (requirePostgres) throw new Error(`SETTLED_REQUIRE_PG=1 but PostgreSQL at ${TEST_DATABASE_URL} is unreachable: ${unavailable}`);
        console.warn(`Skipping "${name} (postgres)": PostgreSQL at ${TEST_DATABASE_URL} is unreachable (${unavailable}). Set TEST_DATABASE_URL to run it.`);
      });

      beforeEach(async (test) => {
        if (unavailable !== undefined) {
          test.skip();
          return;
        }
        world = kind === 'sqlite' ? sqliteWorld() : postgresWorld();
        current = await world.open();
        opened.push(current);
        if (options.migrate !== false) await current.migrate();
      });

      afterEach(async () => {
        await Promise.all(opened.splice(0).map((store) => store.close()));
        await world?.destroy();
        world = undefined;
        current = undefined;
      });

      define({
        kind,
        get store() {
          if (current === undefined) throw new Error('ctx.store is only available inside a test');
          return current;
        },
        async openAnother(openOptions) {
          if (world === undefined) throw new Error('ctx.openAnother() is only available inside a test');
          const store = await world.open(openOptions);
          opened.push(store);
          return store;
        },
        execute(statement) {
          if (world === undefined) throw new Error('ctx.execute() is only available inside a test');
          return world.execute(statement);
        },
        migrateThrough(name) {
          if (world === undefined) throw new Error('ctx.migrateThrough() is only available inside a test');
          return migrateThrough(world, name);
        },
      });
    });
  }
}
