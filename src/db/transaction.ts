import type { Transaction } from 'kysely';
import type { Database } from './open.js';
import type { DB } from './schema.js';
import type { StatementCache } from './statements.js';

/*
 * Side effects of a write happen after its commit, registered by the transaction itself (as the
 * Bluesky PDS does): a job queued in a transaction wakes the worker once the job exists for
 * everyone, never for a rolled-back write, and nobody has to remember to wake it by hand.
 * Hooks are in-process notifications (wake a timer, mark a cache): they run synchronously right
 * after COMMIT returned, in the order they were registered, before the caller hears back.
 */

/** A write's after-commit work. */
export type CommitHook = () => void;

/** The hooks of one transaction (or of one savepoint of a shared one). */
export class CommitHooks {
  private readonly hooks: CommitHook[] = [];

  add(hook: CommitHook): void {
    this.hooks.push(hook);
  }

  /**
   * Runs every hook. One that throws stops neither the others nor the caller: the data is
   * committed, and reporting the write as failed would be wrong.
   */
  run(onError: (error: unknown) => void): void {
    for (const hook of this.hooks.splice(0)) {
      try {
        hook();
      } catch (error) {
        onError(error);
      }
    }
  }
}

/** A Kysely transaction that can register work for after its commit. */
export interface Tx {
  /** The transaction's queries: they see its own writes. */
  readonly db: Transaction<DB>;
  /** `hook` runs once the commit succeeded; never after a rollback. */
  onCommit(hook: CommitHook): void;
}

/** A write inside a transaction of plain prepared statements (GroupCommit), with the same hooks. */
export interface SyncTx {
  readonly statements: StatementCache;
  onCommit(hook: CommitHook): void;
}

/**
 * Runs `fn` in a Kysely transaction; the hooks it registers run after the commit. A throw rolls
 * the transaction back and drops the hooks.
 */
export async function transaction<T>(database: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks = new CommitHooks();
  const result = await database.db.transaction().execute((trx) => fn({ db: trx, onCommit: (hook) => hooks.add(hook) }));
  hooks.run(database.hookFailed);
  return result;
}
