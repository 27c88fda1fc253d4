/**
 * What the scale-out tests share: a throw-away PostgreSQL schema that separate `settled` processes reach through
 * DATABASE_URL alone, and the bookkeeping for the processes themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runCli, type CliRun } from '../../support/cli.js';
import { probePostgres, TEST_DATABASE_URL } from '../../support/stores.js';

/**
 * True when PostgreSQL answers. Otherwise warns and returns false (the suite skips), or throws under
 * SETTLED_REQUIRE_PG=1, where skipping would hide a broken CI.
 */
export async function postgresReachable(suite: string): Promise<boolean> {
  const unavailable = await probePostgres();
  if (unavailable === undefined) return true;
  if (process.env['SETTLED_REQUIRE_PG'] === '1') {
    throw new Error(`SETTLED_REQUIRE_PG=1 but PostgreSQL at ${TEST_DATABASE_URL} is unreachable: ${unavailable}`);
  }
  console.warn(`Skipping "${suite}": PostgreSQL at ${TEST_DATABASE_URL} is unreachable (${unavailable}). Set TEST_DATABASE_URL to run it.`);
  return false;
}

/**
 * The test's own pool into the scratch space. Its idle connections die when a test ends them (a fault test's
 * terminations, drop's `with (force)`): pg reports that as an 'error' on the pool, which with no listener would be
 * an uncaught exception in the test process. The test's next query on it reconnects.
 */
function scratchPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

export interface ScratchSchema {
  readonly name: string;
  /** TEST_DATABASE_URL with `options=-c search_path=<name>`: every connection of every process lands in the schema. */
  readonly url: string;
  query<Row extends Record<string, unknown> = Record<string, unknown>>(statement: string, values?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

/** A fresh, empty schema `scale_<random>`; drop() removes it with everything in it. */
export async function createScratchSchema(): Promise<ScratchSchema> {
  const name = `scale_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create schema "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  const pool = scratchPool(url.toString());
  return {
    name,
    url: url.toString(),
    async query<Row extends Record<string, unknown>>(statement: string, values: unknown[] = []) {
      return (await pool.query<Row>(statement, values)).rows;
    },
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${name}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface ScratchDatabase {
  readonly name: string;
  /** TEST_DATABASE_URL pointing at the new database. */
  readonly url: string;
  query<Row extends Record<string, unknown> = Record<string, unknown>>(statement: string, values?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

/**
 * A fresh database `scale_<random>`, for tests that take database-wide locks (advisory locks are per database,
 * so holding one here cannot stall other tests' migrations). drop() ends any connection left to it.
 */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `scale_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = scratchPool(url.toString());
  return {
    name,
    url: url.toString(),
    async query<Row extends Record<string, unknown>>(statement: string, values: unknown[] = []) {
      return (await pool.query<Row>(statement, values)).rows;
    },
    async drop() {
      await pool.end();
      await admin(`drop database if exists "${name}" with (force)`);
    },
  };
}

/** Spawned `settled` processes and temp folders, ended and removed by cleanup() however the test went. */
export class ProcessGroup {
  private readonly runs: CliRun[] = [];
  private readonly dirs: string[] = [];

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'settled-scale-'));
    this.dirs.push(dir);
    return dir;
  }

  start(args: string[], env: Record<string, string>): CliRun {
    const run = runCli(args, env);
    this.runs.push(run);
    return run;
  }

  async cleanup(): Promise<void> {
    await Promise.all(
      this.runs.splice(0).map(async (run) => {
        if (run.child.exitCode !== null || run.child.signalCode !== null) return;
        run.child.kill('SIGKILL');
        await run.exited();
      }),
    );
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a value, or fails with `describe()` at the deadline. */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, describe: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
