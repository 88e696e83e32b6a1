import type SQLite from 'better-sqlite3';
import type { Sqlite } from '../db/open.js';

/**
 * The checkout's hot path runs plain prepared statements: building and compiling the same
 * Kysely query for every order cost more than running it. Each SQL text is prepared once per
 * database handle; the texts are fixed, so the cache cannot grow without bound.
 */
const prepared = new WeakMap<Sqlite, Map<string, SQLite.Statement>>();

export function statement(sqlite: Sqlite, sql: string): SQLite.Statement {
  let cache = prepared.get(sqlite);
  if (cache === undefined) {
    cache = new Map();
    prepared.set(sqlite, cache);
  }
  let found = cache.get(sql);
  if (found === undefined) {
    found = sqlite.prepare(sql);
    cache.set(sql, found);
  }
  return found;
}
