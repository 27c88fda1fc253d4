import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../../src/store/sqlite/connect.js';

describe('the SQLite main connection\'s statement cache', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function open(): BetterSqlite3.Database {
    dir = mkdtempSync(join(tmpdir(), 'settled-statement-cache-'));
    const database = new BetterSqlite3(join(dir, 'db.sqlite'));
    database.exec('create table t (id integer primary key, name text not null)');
    return database;
  }

  it('compiles a text once and gives the same statement back; a full cache drops the least recently used', () => {
    const database = open();
    const cached = withStatementCache(database, 2);
    const insert = cached.prepare('insert into t (name) values (?)');
    expect(cached.prepare('insert into t (name) values (?)')).toBe(insert);
    insert.run(['a']);
    insert.run(['b']);
    const select = cached.prepare('select name from t order by id');
    expect(select.all([])).toEqual([{ name: 'a' }, { name: 'b' }]);
    // insert is used again after select, so a third text drops select, the least recently used, and keeps insert.
    expect(cached.prepare('insert into t (name) values (?)')).toBe(insert);
    const count = cached.prepare('select count(*) as n from t');
    expect(cached.prepare('insert into t (name) values (?)')).toBe(insert);
    expect(cached.prepare('select name from t order by id')).not.toBe(select);
    expect(count.all([])).toEqual([{ n: 2 }]);
    cached.close();
    expect(database.open).toBe(false);
  });

  it('a kept statement sees a column added after it was compiled', () => {
    const database = open();
    const cached = withStatementCache(database);
    database.exec("insert into t (name) values ('a')");
    expect(cached.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'a' }]);
    database.exec("alter table t add column note text not null default 'n'");
    expect(cached.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'a', note: 'n' }]);
    cached.close();
  });
});
