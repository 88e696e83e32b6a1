import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { databaseFile } from '../context.js';
import { checkBackup, putInPlace, RestoreError } from '../db/restore.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

/** Where `serve` notes its process id while it runs (removed when it stops). */
export function pidFile(config: Config): string {
  return join(config.dataDir, 'optovik.pid');
}

/** The pid of a running portal on this data folder, or null (no file, or its process is gone). */
function runningPortal(config: Config): number | null {
  const file = pidFile(config);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** `optovik restore <file>`: a backup in place of the database (the portal stopped; the current one kept aside). */
export async function restore(args: ParsedArgs): Promise<number> {
  const file = args.positional[1];
  if (!file) throw new CliError('usage: optovik restore <backup file> (stop the portal first)');
  const config = configFromArgs(args);
  const running = runningPortal(config);
  if (running !== null)
    throw new CliError(`the portal is running on ${config.dataDir} (process ${running}): stop it first, then restore`);
  let check: ReturnType<typeof checkBackup>;
  try {
    check = checkBackup(resolve(file));
  } catch (error) {
    if (error instanceof RestoreError) throw new CliError(error.message);
    throw error;
  }
  const target = databaseFile(config);
  mkdirSync(dirname(target), { recursive: true });
  const kept = putInPlace(resolve(file), target, new Date());
  const { ctx, report } = await openPrepared(config, { seedDemo: false, anyDatabase: true });
  try {
    const lines = [`Restored ${resolve(file)} to ${target}: ${check.orders} order(s).`];
    if (kept) lines.push(`  the database it replaced is kept as ${kept}`);
    if (report.applied.length > 0) lines.push(`  migrated to this version: ${report.applied.join(', ')}`);
    console.log(lines.join('\n'));
    return 0;
  } finally {
    await ctx.close();
  }
}
