import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { Sqlite } from './open.js';

// kysely 0.28 (pinned for Node 20) exports Migrator from the root; 0.29 moves it to kysely/migration.

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export class MigrationError extends Error {}

function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({ db, provider: new StaticMigrationProvider() });
}

export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Applies every pending migration; returns the names applied. Throws on the first failure. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const name = failed?.migrationName ?? 'unknown';
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${name} failed: ${reason}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Copies the live database with SQLite's online backup (safe while the portal runs and
 * with WAL) to `dest`.
 */
export async function backupTo(sqlite: Sqlite, dest: string): Promise<void> {
  await sqlite.backup(dest);
  // The copy inherits WAL mode; switch it back so the backup is one self-contained file.
  const copy = new SQLite(dest);
  copy.pragma('journal_mode = DELETE');
  copy.close();
}

/** Takes a copy into <backupDir> before a migration and keeps only the newest `keep` copies. */
export async function backupBeforeMigrate(
  sqlite: Sqlite,
  backupDir: string,
  firstPending: string,
  now: Date,
  keep: number,
): Promise<string> {
  mkdirSync(backupDir, { recursive: true });
  const file = join(backupDir, `optovik-${stamp(now)}-before-${firstPending}.sqlite`);
  await backupTo(sqlite, file);
  const copies = readdirSync(backupDir)
    .filter((f) => f.startsWith('optovik-') && f.endsWith('.sqlite'))
    .sort();
  for (const old of copies.slice(0, Math.max(0, copies.length - Math.max(1, keep)))) {
    rmSync(join(backupDir, old));
  }
  return file;
}
