import type { Clock } from '../clock.js';
import { type SyncTx, type Tx, transaction } from '../db/transaction.js';
import type { Database } from '../db/open.js';

import type { JobKind, JobPayload } from './registry.js';

/**
 * When the worker should start what a commit queued: at once, or — for the jobs of a checkout —
 * at the first pause in checkouts (jobs/worker.ts, "give way").
 */
export type Urgency = 'now' | 'after_checkout';

const INSERT_JOB = 'insert into jobs (kind, payload, run_after, last_error, done_at, failed_at, created_at) values (?, ?, ?, null, null, null, ?)';

/**
 * The durable outbox: a job is a row written inside the business transaction, so it exists
 * exactly when the business change does — a crash can lose neither an order's mails nor send
 * mails for a rolled-back order. Once the transaction commits, its commit hook tells whoever
 * listens (the job worker) so the job starts now rather than at the next poll.
 */
export class Outbox {
  private readonly listeners = new Set<(urgency: Urgency) => void>();

  constructor(private readonly clock: Clock) {}

  /** Queues a job in the caller's transaction. */
  async enqueue<K extends JobKind>(tx: Tx, kind: K, payload: JobPayload<K>, urgency: Urgency = 'now'): Promise<void> {
    const now = this.clock.now();
    await tx.db
      .insertInto('jobs')
      .values({ kind, payload: JSON.stringify(payload), run_after: now, last_error: null, done_at: null, failed_at: null, created_at: now })
      .execute();
    this.announce(tx, urgency);
  }

  /** The same inside a transaction of plain statements (placeOrder's, shared by GroupCommit). */
  enqueueSync<K extends JobKind>(tx: SyncTx, kind: K, payload: JobPayload<K>, urgency: Urgency = 'now'): void {
    const now = this.clock.now();
    tx.statements.get(INSERT_JOB).run(kind, JSON.stringify(payload), now, now);
    this.announce(tx, urgency);
  }

  /** Jobs made due in this transaction by other means (a retry): the worker hears after the commit. */
  announce(tx: Pick<Tx, 'onCommit'>, urgency: Urgency = 'now'): void {
    tx.onCommit(() => {
      for (const listener of this.listeners) listener(urgency);
    });
  }

  /** `listener` hears of every commit that queued jobs; returns the way to stop listening. */
  listen(listener: (urgency: Urgency) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Admin's "retry now": a failed or waiting job runs at once with a fresh count. */
export async function retryJob(ctx: { database: Database; clock: Clock; outbox: Outbox }, id: number): Promise<boolean> {
  return transaction(ctx.database, async (tx) => {
    const result = await tx.db
      .updateTable('jobs')
      .set({ failed_at: null, run_after: ctx.clock.now(), attempts: 0 })
      .where('id', '=', id)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    const retried = Number(result.numUpdatedRows) === 1;
    if (retried) ctx.outbox.announce(tx);
    return retried;
  });
}
