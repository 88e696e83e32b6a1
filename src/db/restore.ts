/**
 * Puts a backup (`optovik backup`, or a copy `migrate` took) in place of the database: only a
 * file that is an intact Optovik database from this version or an older one, only while the
 * portal is stopped, and never by overwriting — the current database is kept aside first.
 */
import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { migrations } from '../../migrations/index.js';

export class RestoreError extends Error {}

export interface RestoreCheck {
  /** Migrations the backup has, and those this version would still apply to it. */
  readonly applied: number;
  readonly pending: string[];
  readonly orders: number;
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Whether `file` is an Optovik database this version can open; the reason in words otherwise. */
export function checkBackup(file: string): RestoreCheck {
  if (!existsSync(file)) throw new RestoreError(`${file}: no such file`);
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER)
    throw new RestoreError(`${file} is not an Optovik backup (not an SQLite database)`);
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok')
      throw new RestoreError(`${file} is damaged: SQLite's integrity check says "${String(integrity).slice(0, 200)}"`);
    const hasMigrations = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
    if (!hasMigrations) throw new RestoreError(`${file} is not an Optovik backup (it has no migrations table)`);
    const applied = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    const known = Object.keys(migrations);
    const unknown = applied.filter((name) => !known.includes(name));
    if (unknown.length > 0)
      throw new RestoreError(
        `${file} comes from a newer Optovik (it has migration ${unknown.join(', ')}, which this version does not know): upgrade Optovik first`,
      );
    const orders = (db.prepare('select count(*) as n from orders').get() as { n: number }).n;
    return { applied: applied.length, pending: known.filter((name) => !applied.includes(name)), orders };
  } catch (error) {
    if (error instanceof RestoreError) throw error;
    throw new RestoreError(`${file} cannot be read as an Optovik backup: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Moves the current database (and its WAL files) to `<file>.before-restore-<stamp>` and copies
 * the backup in its place; returns where the old one went (null when there was none).
 */
export function putInPlace(backup: string, target: string, now: Date): string | null {
  let kept: string | null = null;
  if (existsSync(target)) {
    kept = `${target}.before-restore-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
    renameSync(target, kept);
    for (const suffix of ['-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, kept + suffix);
  }
  copyFileSync(backup, target);
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
  return kept;
}
