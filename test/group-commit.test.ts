import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase, openSqlite } from '../src/db/open.js';
import { GroupCommit } from '../src/orders/group-commit.js';
import { tempDir } from './helpers.js';

let dir: string;
let database: Database;

beforeEach(() => {
  dir = tempDir();
  database = openDatabase(join(dir, 'group.sqlite'), 1000);
  database.sqlite.exec('create table notes (id integer primary key, text text not null unique)');
});
afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const texts = () => (database.sqlite.prepare('select text from notes order by id').all() as { text: string }[]).map((r) => r.text);
const add = (text: string) => (sqlite: Database['sqlite']) => Number(sqlite.prepare('insert into notes (text) values (?)').run(text).lastInsertRowid);

describe('group commit', () => {
  it('writes what arrives together in one transaction, and answers only after it is committed', async () => {
    const group = new GroupCommit(database);
    // Another connection sees only committed data: nothing may be committed before the group is.
    const observer = openSqlite(join(dir, 'group.sqlite'), 1000);
    const committedRows = () => (observer.prepare('select count(*) as n from notes').get() as { n: number }).n;
    const seenByOthers: number[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c'].map((text) =>
        group.run((sqlite) => {
          seenByOthers.push(committedRows());
          return add(text)(sqlite);
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(seenByOthers).toEqual([0, 0, 0]);
    expect(committedRows()).toBe(3);
    observer.close();
  });

  it('rolls back only the write that failed', async () => {
    const group = new GroupCommit(database);
    const outcomes = await Promise.allSettled([
      group.run(add('first')),
      group.run((sqlite) => {
        add('half-done')(sqlite);
        return add('first')(sqlite); // unique constraint: this whole write must vanish
      }),
      group.run(add('third')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(texts()).toEqual(['first', 'third']);
  });

  it('waits for a Kysely transaction that is open, instead of writing into it', async () => {
    const group = new GroupCommit(database);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const other = database.db.transaction().execute(async (trx) => {
      await trx.insertInto('notes' as never).values({ text: 'kysely' } as never).execute();
      await held;
      throw new Error('rolled back on purpose');
    });
    const grouped = group.run(add('grouped'));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(other).rejects.toThrow('rolled back on purpose');
    await grouped;
    expect(texts()).toEqual(['grouped']);
  });
});
