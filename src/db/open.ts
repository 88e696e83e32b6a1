import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { fold } from './fold.js';
import type { DB } from './schema.js';

export type Sqlite = SQLite.Database;

export interface Database {
  readonly db: Kysely<DB>;
  /** The raw handle, for online backups and the few things Kysely does not do. */
  readonly sqlite: Sqlite;
  readonly file: string;
  close(): Promise<void>;
}

export function openSqlite(file: string, busyTimeoutMs: number): Sqlite {
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file, { timeout: busyTimeoutMs });
  sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged write (an order!) survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  sqlite.function('fold', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? fold(text) : text,
  );
  return sqlite;
}

/**
 * Kysely prepares every query anew; on a catalog page that is a third of the SQLite time. The
 * same SQL text always gets the same prepared statement (bounded, so queries with variable
 * IN-lists cannot grow it without limit).
 */
function withStatementCache(sqlite: Sqlite, capacity = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export function openDatabase(file: string, busyTimeoutMs: number): Database {
  const sqlite = openSqlite(file, busyTimeoutMs);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  let closed = false;
  return {
    db,
    sqlite,
    file,
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy closes the better-sqlite3 handle too.
      await db.destroy();
    },
  };
}
