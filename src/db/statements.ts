import type SQLite from 'better-sqlite3';
import type { Sqlite } from './open.js';

/** How a statement hands back rows: objects (better-sqlite3's default), arrays, or the first column. */
export type RowShape = 'objects' | 'arrays' | 'first';

/**
 * The connection's prepared statements, by SQL text: Kysely prepares every query anew (on a
 * catalog page that was a third of SQLite's time), and the hot paths that run plain statements
 * (checkout, the job outbox, the change counters) would otherwise each keep their own cache.
 * Bounded, least recently used out first, so queries whose text varies (IN-lists) cannot grow it
 * without limit while the statements every request runs stay prepared.
 *
 * Row shape is state on a better-sqlite3 statement: a statement switched to arrays would hand
 * arrays to the next caller of the same text, so each shape is an entry of its own.
 */
export class StatementCache {
  private readonly entries = new Map<string, SQLite.Statement>();

  constructor(
    private readonly sqlite: Sqlite,
    readonly capacity = 1000,
  ) {}

  get(sql: string, shape: RowShape = 'objects'): SQLite.Statement {
    const key = shape === 'objects' ? sql : `${shape}\u0000${sql}`;
    let statement = this.entries.get(key);
    if (statement !== undefined) {
      // A Map keeps insertion order: re-inserted, the least recently used stays first.
      this.entries.delete(key);
      this.entries.set(key, statement);
      return statement;
    }
    statement = this.sqlite.prepare(sql);
    if (shape === 'arrays') statement.raw(true);
    else if (shape === 'first') statement.pluck(true);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, statement);
    return statement;
  }

  get size(): number {
    return this.entries.size;
  }
}
