import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/open.js';
import { StatementCache } from '../src/db/statements.js';
import { tempDir } from './helpers.js';

let dir: string;
let database: Database;

beforeEach(() => {
  dir = tempDir();
  database = openDatabase(join(dir, 'statements.sqlite'), 1000);
  database.sqlite.exec("create table t (id integer primary key, v text); insert into t (v) values ('a'), ('b')");
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the statement cache', () => {
  it('gives the same SQL the same statement, Kysely included', async () => {
    const sql = 'select v from t order by id';
    expect(database.statements.get(sql)).toBe(database.statements.get(sql));
    const before = database.statements.size;
    await database.db.selectFrom('t' as never).select('v' as never).execute();
    await database.db.selectFrom('t' as never).select('v' as never).execute();
    expect(database.statements.size).toBe(before + 1);
  });

  it('keeps each row shape apart, so one caller cannot change what another reads', () => {
    const sql = 'select id, v from t order by id';
    expect(database.statements.get(sql, 'arrays').all()).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(database.statements.get(sql, 'first').all()).toEqual([1, 2]);
    expect(database.statements.get(sql).all()).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ]);
  });

  it('stays within its bound, dropping the least recently used', () => {
    const cache = new StatementCache(database.sqlite, 3);
    const hot = cache.get('select 1');
    for (let i = 2; i <= 10; i++) {
      cache.get(`select ${i}`);
      expect(cache.get('select 1')).toBe(hot);
    }
    expect(cache.size).toBe(3);
  });
});
