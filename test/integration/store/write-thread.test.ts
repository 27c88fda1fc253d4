import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteWriteError, SqliteWriteThread } from '../../../src/store/sqlite/write-thread-client.js';

const run = promisify(execFile);

describe('the SQLite write thread', () => {
  let dir: string;
  let path: string;
  let thread: SqliteWriteThread;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'settled-write-thread-'));
    path = join(dir, 'db.sqlite');
    const setup = new BetterSqlite3(path);
    setup.pragma('journal_mode = WAL');
    setup.exec('create table t (id text primary key, body text not null)');
    setup.close();
    thread = new SqliteWriteThread(path);
  });

  afterEach(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => {
    const reader = new BetterSqlite3(path, { readonly: true });
    try {
      return reader.prepare('select id, body from t order by id').all();
    } finally {
      reader.close();
    }
  };

  it('commits a transaction and reports each statement\'s changes, bytes bound as UTF-8 text', async () => {
    const insert = 'insert into t (id, body) values (?, cast(? as text)) on conflict (id) do nothing';
    const changes = await thread.transaction([
      { sql: insert, params: ['a', new TextEncoder().encode('Zoë ☕')] },
      { sql: insert, params: ['a', 'again'] },
      { sql: insert, params: ['b', 'plain'] },
    ]);
    expect(changes).toEqual([1, 0, 1]);
    expect(rows()).toEqual([{ id: 'a', body: 'Zoë ☕' }, { id: 'b', body: 'plain' }]);
  });

  it('a failing statement rolls the whole transaction back with SQLite\'s code, and the thread goes on', async () => {
    const failed = await thread
      .transaction([
        { sql: 'insert into t (id, body) values (?, ?)', params: ['a', 'kept?'] },
        { sql: 'insert into t (id, body) values (?, ?)', params: ['b', null] },
      ])
      .then(() => undefined, (error: unknown) => error);
    expect(failed).toBeInstanceOf(SqliteWriteError);
    expect((failed as SqliteWriteError).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(rows()).toEqual([]);
    expect(await thread.transaction([{ sql: 'insert into t (id, body) values (?, ?)', params: ['c', 'after'] }])).toEqual([1]);
  });

  it('transactions waiting together share a commit, and one that fails is undone alone', async () => {
    const insert = 'insert into t (id, body) values (?, ?)';
    const results = await Promise.allSettled([
      thread.transaction([{ sql: insert, params: ['a', 'x'] }]),
      thread.transaction([{ sql: insert, params: ['b', 'x'] }, { sql: insert, params: ['c', null] }]),
      thread.transaction([{ sql: insert, params: ['d', 'x'] }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows().map((row) => (row as { id: string }).id)).toEqual(['a', 'd']);
  });

  it('a statement that cannot be prepared fails its transaction, and the same SQL works once it can', async () => {
    const insert = 'insert into later (id) values (?)';
    const failed = await thread.transaction([{ sql: insert, params: ['a'] }]).then(() => undefined, (error: unknown) => error);
    expect(failed).toBeInstanceOf(SqliteWriteError);
    expect((failed as Error).message).toMatch(/no such table: later/);
    const setup = new BetterSqlite3(path);
    setup.exec('create table later (id text primary key)');
    setup.close();
    expect(await thread.transaction([{ sql: insert, params: ['a'] }])).toEqual([1]);
  });

  it('a thread that dies is replaced, and statements it had been given still run on the new one', async () => {
    const insert = 'insert into t (id, body) values (?, ?)';
    expect(await thread.transaction([{ sql: insert, params: ['before', 'x'] }])).toEqual([1]);
    // What a crash of the thread looks like from here: its worker ends.
    const worker = (thread as unknown as { worker: Worker }).worker;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await exited;
    expect(await thread.transaction([{ sql: insert, params: ['after', 'y'] }, { sql: 'select 1', params: [] }])).toEqual([1, 0]);
    expect(rows().map((row) => (row as { id: string }).id)).toEqual(['after', 'before']);
  });

  it('waits while another connection holds the write lock, then commits', async () => {
    const other = new BetterSqlite3(path);
    other.exec('begin immediate');
    other.prepare('insert into t (id, body) values (?, ?)').run('first', 'x');
    const pending = thread.transaction([{ sql: 'insert into t (id, body) values (?, ?)', params: ['second', 'y'] }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rows()).toEqual([]);
    other.exec('commit');
    other.close();
    expect(await pending).toEqual([1]);
    expect(rows().map((row) => (row as { id: string }).id)).toEqual(['first', 'second']);
  });

  it('close waits for the transactions already sent; later ones are refused', async () => {
    const sent = Array.from({ length: 20 }, (_, n) => thread.transaction([{ sql: 'insert into t (id, body) values (?, ?)', params: [`e${n}`, 'x'] }]));
    await thread.close();
    expect(await Promise.all(sent)).toHaveLength(20);
    expect(rows()).toHaveLength(20);
    await expect(thread.transaction([{ sql: 'select 1', params: [] }])).rejects.toThrow(/closed/);
  });

  it('does not keep a process alive once its writes are answered', async () => {
    const module = new URL('../../../src/store/sqlite/write-thread-client.ts', import.meta.url).href;
    const script = `
      const { SqliteWriteThread } = await import(${JSON.stringify(module)});
      const thread = new SqliteWriteThread(${JSON.stringify(path)});
      await thread.transaction([{ sql: 'insert into t (id, body) values (?, ?)', params: ['from-child', 'x'] }]);
      console.log('written');`;
    const file = join(dir, 'child.mts');
    writeFileSync(file, script);
    const started = Date.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { timeout: 20_000 });
    expect(stdout.trim()).toBe('written');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(rows()).toEqual([{ id: 'from-child', body: 'x' }]);
  });
});
