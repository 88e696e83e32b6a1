import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/db/group-commit.js';
import { type Database, openDatabase, openSqlite, type Sqlite } from '../src/db/open.js';
import { type SyncTx, transaction } from '../src/db/transaction.js';
import { tempDir } from './helpers.js';

let dir: string;
let database: Database;
let observer: Sqlite;
let hookErrors: unknown[];

beforeEach(() => {
  dir = tempDir();
  hookErrors = [];
  database = openDatabase(join(dir, 'group.sqlite'), 1000, { hookFailed: (error) => hookErrors.push(error) });
  database.sqlite.exec('create table notes (id integer primary key, text text not null unique)');
  // Another connection sees only committed data.
  observer = openSqlite(join(dir, 'group.sqlite'), 1000);
});
afterEach(async () => {
  observer.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const texts = () => (database.sqlite.prepare('select text from notes order by id').all() as { text: string }[]).map((r) => r.text);
const committedRows = () => (observer.prepare('select count(*) as n from notes').get() as { n: number }).n;
const add = (text: string) => (tx: SyncTx) => Number(tx.statements.get('insert into notes (text) values (?)').run(text).lastInsertRowid);

describe('group commit', () => {
  it('writes what arrives together in one transaction, and answers only after it is committed', async () => {
    const group = new GroupCommit(database);
    // Nothing may be committed before the group is.
    const seenByOthers: number[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c'].map((text) =>
        group.run((tx) => {
          seenByOthers.push(committedRows());
          return add(text)(tx);
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(seenByOthers).toEqual([0, 0, 0]);
    expect(committedRows()).toBe(3);
  });

  it('rolls back only the write that failed', async () => {
    const group = new GroupCommit(database);
    const outcomes = await Promise.allSettled([
      group.run(add('first')),
      group.run((tx) => {
        add('half-done')(tx);
        return add('first')(tx); // unique constraint: this whole write must vanish
      }),
      group.run(add('third')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(texts()).toEqual(['first', 'third']);
  });

  it('runs the commit hooks of the writes that made it, after the commit and before their callers hear back', async () => {
    const group = new GroupCommit(database);
    const heard: string[] = [];
    const write = (text: string, fail: boolean) =>
      group
        .run((tx) => {
          tx.onCommit(() => heard.push(`${text} hook, ${committedRows()} committed`));
          add(text)(tx);
          if (fail) throw new Error('rolled back on purpose');
        })
        .then(
          () => heard.push(`${text} answered`),
          () => heard.push(`${text} failed`),
        );
    await Promise.all([write('a', false), write('b', true), write('c', false)]);
    expect(heard).toEqual(['a hook, 2 committed', 'c hook, 2 committed', 'a answered', 'b failed', 'c answered']);
  });

  it('runs no hook when the whole transaction is lost', async () => {
    const group = new GroupCommit(database);
    let hooks = 0;
    const outcome = group.run((tx) => {
      tx.onCommit(() => hooks++);
      add('lost')(tx);
      // Ends the transaction under the group's feet: its COMMIT fails.
      database.sqlite.exec('rollback');
    });
    await expect(outcome).rejects.toThrow();
    expect(hooks).toBe(0);
    expect(texts()).toEqual([]);
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

describe('transaction()', () => {
  const insert = (text: string) => ({ text }) as never;

  it('runs its commit hooks once the commit is in, and none after a rollback', async () => {
    const seen: number[] = [];
    await transaction(database, async (tx) => {
      await tx.db.insertInto('notes' as never).values(insert('kept')).execute();
      tx.onCommit(() => seen.push(committedRows()));
      expect(committedRows()).toBe(0);
    });
    expect(seen).toEqual([1]);

    const rolledBack = transaction(database, async (tx) => {
      await tx.db.insertInto('notes' as never).values(insert('dropped')).execute();
      tx.onCommit(() => seen.push(-1));
      throw new Error('rolled back on purpose');
    });
    await expect(rolledBack).rejects.toThrow('rolled back on purpose');
    expect(seen).toEqual([1]);
    expect(texts()).toEqual(['kept']);
  });

  it('reports a hook that throws without turning the committed write into a failure', async () => {
    let later = false;
    const result = await transaction(database, async (tx) => {
      await tx.db.insertInto('notes' as never).values(insert('kept')).execute();
      tx.onCommit(() => {
        throw new Error('hook broke');
      });
      tx.onCommit(() => {
        later = true;
      });
      return 'done';
    });
    expect(result).toBe('done');
    expect(later).toBe(true);
    expect(hookErrors).toHaveLength(1);
    expect(texts()).toEqual(['kept']);
  });
});
