import type { Database } from './open.js';
import { CommitHooks, type SyncTx } from './transaction.js';

/** A write that runs inside a group's transaction: synchronous, so nothing else can interleave. */
export type GroupedWrite<T> = (tx: SyncTx) => T;

interface Waiting {
  write: GroupedWrite<unknown>;
  done(value: unknown): void;
  fail(error: unknown): void;
}

/**
 * Group commit: every write that arrives while the previous group is being written goes into
 * ONE transaction, each in its own savepoint, and the group pays one commit. With
 * synchronous=FULL the commit (WAL write + fsync) was the largest single cost of an order, and
 * better-sqlite3 waits for it on the event loop; under load a group of N orders pays it once.
 *
 * Durability is unchanged: no caller hears back before the COMMIT that contains its write
 * returned. A write that throws is rolled back to its savepoint alone, its commit hooks with it;
 * if the transaction itself is lost (a failed COMMIT, an I/O error), every write of the group
 * fails, none is reported done and no hook runs. The hooks of the writes that made it run right
 * after the COMMIT, before their callers hear back.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly database: Database,
    /** Bounds how long one group holds the event loop. */
    private readonly maxGroup = 32,
  ) {}

  run<T>(write: GroupedWrite<T>): Promise<T> {
    return new Promise<T>((done, fail) => {
      this.waiting.push({ write, done: done as (value: unknown) => void, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O callbacks: requests that arrived together are written together.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    try {
      // Holding Kysely's connection keeps its queries and transactions out of our transaction.
      await this.database.db.connection().execute(async () => {
        while (this.waiting.length > 0) this.writeGroup(this.waiting.splice(0, this.maxGroup));
      });
    } catch (error) {
      // The connection could not be had (the database is closing): nobody may wait forever.
      for (const item of this.waiting.splice(0)) item.fail(error);
    }
  }

  private writeGroup(group: Waiting[]): void {
    const { sqlite, statements } = this.database;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const hooks = new CommitHooks();
    try {
      sqlite.exec('begin immediate');
      for (const item of group) {
        sqlite.exec('savepoint grouped_write');
        const own: (() => void)[] = [];
        try {
          outcomes.push({ ok: true, value: item.write({ statements, onCommit: (hook) => own.push(hook) }) });
          sqlite.exec('release grouped_write');
          for (const hook of own) hooks.add(hook);
        } catch (error) {
          // Some errors (I/O, disk full) end the whole transaction: then the group fails below.
          if (!sqlite.inTransaction) throw error;
          sqlite.exec('rollback to grouped_write');
          sqlite.exec('release grouped_write');
          outcomes.push({ ok: false, error });
        }
      }
      sqlite.exec('commit');
    } catch (error) {
      try {
        if (sqlite.inTransaction) sqlite.exec('rollback');
      } finally {
        for (const item of group) item.fail(error);
      }
      return;
    }
    hooks.run(this.database.hookFailed);
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.done(outcome.value);
      else item.fail(outcome?.error);
    });
  }
}
