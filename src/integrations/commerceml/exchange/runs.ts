/** The exchange_runs rows admins see: one per catalog run, order file or manual upload. */

import type { Kysely } from 'kysely';
import type { DB, ExchangeRunKind, ExchangeRunSource, ExchangeRunStatus } from '../../../db/schema.js';
import type { FieldFillReport } from '../catalog/field-map.js';

export interface RunFile {
  name: string;
  bytes: number;
}

export async function startRun(
  db: Kysely<DB>,
  kind: ExchangeRunKind,
  now: number,
  message = '',
  source: ExchangeRunSource = '1c',
): Promise<number> {
  const row = await db
    .insertInto('exchange_runs')
    .values({ kind, source, status: 'running', started_at: now, message })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateRun(
  db: Kysely<DB>,
  id: number,
  change: {
    status?: ExchangeRunStatus;
    files?: readonly RunFile[];
    counts?: Record<string, number>;
    /** What config.yml's map of fields found in a catalog run (kept with the counts). */
    fields?: FieldFillReport | null;
    message?: string;
    errorFile?: string | null;
    errorLine?: number | null;
    finishedAt?: number;
  },
): Promise<void> {
  await db
    .updateTable('exchange_runs')
    .set({
      ...(change.status ? { status: change.status } : {}),
      ...(change.files ? { files: JSON.stringify(change.files) } : {}),
      ...(change.counts
        ? { counts: JSON.stringify(change.fields ? { ...change.counts, fields: change.fields } : change.counts) }
        : {}),
      ...(change.message !== undefined ? { message: change.message.slice(0, 4000) } : {}),
      ...(change.errorFile !== undefined ? { error_file: change.errorFile } : {}),
      ...(change.errorLine !== undefined ? { error_line: change.errorLine } : {}),
      ...(change.finishedAt !== undefined ? { finished_at: change.finishedAt } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function recentRuns(db: Kysely<DB>, limit: number) {
  return db.selectFrom('exchange_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Runs a restart left "running": nothing of theirs was applied unless they got that far. */
export async function closeInterruptedRuns(db: Kysely<DB>, now: number): Promise<void> {
  await db
    .updateTable('exchange_runs')
    .set({ status: 'abandoned', finished_at: now, message: 'the portal restarted during this run; nothing of it was applied' })
    .where('status', '=', 'running')
    .execute();
}
