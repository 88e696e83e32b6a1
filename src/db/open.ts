import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { fold } from './fold.js';
import type { DB } from './schema.js';
import { StatementCache } from './statements.js';

export type Sqlite = SQLite.Database;

export interface Database {
  readonly db: Kysely<DB>;
  /** The raw handle, for online backups and the few things Kysely does not do. */
  readonly sqlite: Sqlite;
  readonly file: string;
  /** Prepared statements by SQL text: Kysely's queries and the plain statements of the hot paths. */
  readonly statements: StatementCache;
  /** Told when an after-commit hook (db/transaction.ts) throws; the write stays committed. */
  readonly hookFailed: (error: unknown) => void;
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

export interface OpenOptions {
  /** Where an after-commit hook's error goes (the app's log); by default it surfaces as an uncaught error. */
  hookFailed?: (error: unknown) => void;
}

export function openDatabase(file: string, busyTimeoutMs: number, options: OpenOptions = {}): Database {
  const sqlite = openSqlite(file, busyTimeoutMs);
  const statements = new StatementCache(sqlite);
  // Kysely sees a handle whose prepare() is the cache: the same SQL text, the same statement.
  const handle = { close: () => sqlite.close(), prepare: (sql: string) => statements.get(sql) };
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: handle }) });
  let closed = false;
  return {
    db,
    sqlite,
    file,
    statements,
    hookFailed:
      options.hookFailed ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        })),
    async close() {
      if (closed) return;
      closed = true;
      // Kysely's destroy closes the better-sqlite3 handle too.
      await db.destroy();
    },
  };
}
