import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';

/** Follow-up work an order creates; the worker (documents & mail) runs them after commit. */
export type JobKind = 'render_pdf' | 'send_order_mail' | 'export_order' | 'send_status_mail';

/**
 * Queues a job inside the caller's transaction: it exists exactly when the business change does
 * (an outbox), so a crash can lose neither the order's mails nor send mails for a rolled-back order.
 */
export async function enqueue(trx: Transaction<DB>, kind: JobKind, payload: Record<string, unknown>, now: number): Promise<void> {
  await trx.insertInto('jobs').values({ kind, payload: JSON.stringify(payload), run_after: now, last_error: null, done_at: null, failed_at: null, created_at: now }).execute();
}

const INSERT_JOB = 'insert into jobs (kind, payload, run_after, last_error, done_at, failed_at, created_at) values (?, ?, ?, null, null, null, ?)';

/** enqueue() for writers that run plain statements inside their own open transaction (placeOrder). */
export function enqueueInOpenTransaction(database: Database, kind: JobKind, payload: Record<string, unknown>, now: number): void {
  if (!database.sqlite.inTransaction) throw new Error('enqueueInOpenTransaction needs an open transaction');
  database.statements.get(INSERT_JOB).run(kind, JSON.stringify(payload), now, now);
}

export async function pendingJobs(db: Kysely<DB>, kind?: JobKind) {
  let query = db.selectFrom('jobs').selectAll().where('done_at', 'is', null).where('failed_at', 'is', null);
  if (kind) query = query.where('kind', '=', kind);
  return query.orderBy('id').execute();
}
