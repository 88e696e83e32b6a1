import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import { backupBeforeMigrate, migrateToLatest, pendingMigrations } from './migrate.js';

export interface PrepareReport {
  applied: string[];
  backup: string | null;
}

/**
 * Brings the database to the current schema. An existing database is copied to
 * <data_dir>/backups first, so a failed upgrade can always be rolled back by hand.
 */
export async function prepareDatabase(ctx: AppContext, existedBefore: boolean): Promise<PrepareReport> {
  const db = ctx.db as unknown as Kysely<unknown>;
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return { applied: [], backup: null };
  let backup: string | null = null;
  if (existedBefore && ctx.config.database.backupBeforeMigrate) {
    backup = await backupBeforeMigrate(
      ctx.database.sqlite,
      join(ctx.config.dataDir, 'backups'),
      pending[0] ?? 'migration',
      new Date(ctx.clock.now()),
      ctx.config.database.keepBackups,
    );
    ctx.log.info({ backup }, 'database copied before migrating');
  }
  const applied = await migrateToLatest(db);
  return { applied, backup };
}
