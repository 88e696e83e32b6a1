import type { Database } from './open.js';
import type { StatementCache } from './statements.js';

/** What a counter needs of the connection: the handle (triggers, functions) and its statements. */
export type Connection = Pick<Database, 'sqlite' | 'statements'>;

/**
 * A number per SQLite connection and group of tables that moves whenever any of those tables may
 * have changed, so a cache keyed by it can never serve data older than the last write:
 *   - this connection's writes, whoever makes them (a page, an importer, a test, raw SQL or
 *     Kysely), are reported as they happen by TEMP triggers, which exist only on this connection
 *     and call back into this process — nobody has to remember to report a write;
 *   - other connections' commits (the CLI, a second process, an importer with its own handle)
 *     show up as a new PRAGMA data_version (readDataVersion below), taken at least once a request.
 * A rolled-back write still moves the number: a needless cache miss, never a stale hit.
 *
 * The triggers are created on first use, not when the connection opens: migrations have run by
 * then. Never inside an open transaction, where a rollback would drop them with it; until they
 * exist `current()` is null and callers must not cache.
 *
 * One counter per name and connection: context.ts makes them (catalog/generation.ts,
 * accounts/generation.ts); two of the same name would fight over the same triggers.
 */
export class ChangeCounter {
  private value = 0;
  private installed = false;
  private seenDataVersion: unknown;

  constructor(
    private readonly connection: Connection,
    private readonly name: string,
    private readonly tables: readonly string[],
  ) {
    if (!/^[a-z_]+$/.test(name) || tables.some((t) => !/^[a-z_]+$/.test(t)))
      throw new Error('change counter names are plain identifiers');
  }

  /**
   * The current value, or null while the counter cannot vouch for anything (see above).
   * `dataVersion` may be a readDataVersion() taken earlier, before anything the caller will
   * cache was read (one reading can serve every counter a request asks).
   */
  current(dataVersion: DataVersionReading = readDataVersion(this.connection.statements)): number | null {
    if (!this.installed && !this.install()) return null;
    if (dataVersion.value !== this.seenDataVersion) {
      this.seenDataVersion = dataVersion.value;
      this.value += 1;
    }
    return this.value;
  }

  /** For changes SQLite cannot see (files, memory); writes to the tables are counted already. */
  bump(): void {
    this.value += 1;
  }

  private install(): boolean {
    const sqlite = this.connection.sqlite;
    if (sqlite.inTransaction || !sqlite.open) return false;
    const fn = `optovik_changed_${this.name}`;
    sqlite.function(fn, { deterministic: false }, () => {
      this.value += 1;
      return null;
    });
    const existing = new Set(
      sqlite.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[],
    );
    // A table left unwatched by a typo would make every cache built on this counter go stale.
    const missing = this.tables.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`change counter ${this.name}: no table ${missing.join(', ')}`);
    const statements: string[] = [];
    for (const table of this.tables) {
      for (const event of ['insert', 'update', 'delete']) {
        statements.push(
          `create temp trigger if not exists ${fn}_${table}_${event} after ${event} on main.${table} begin select ${fn}(); end`,
        );
      }
    }
    sqlite.exec(statements.join(';\n'));
    this.installed = true;
    this.seenDataVersion = readDataVersion(this.connection.statements).value;
    return true;
  }
}

/** A PRAGMA data_version reading: it changes when another connection commits. */
export interface DataVersionReading {
  readonly value: unknown;
}

/**
 * Reads PRAGMA data_version, which costs a read lock (two fcntl and an fstat, ~2-10 µs): a request
 * takes one reading when it starts and hands it to every counter it asks.
 */
export function readDataVersion(statements: StatementCache): DataVersionReading {
  return { value: statements.get('pragma data_version', 'first').get() };
}
