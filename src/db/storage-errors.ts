/**
 * Errors that mean "the server cannot store anything right now": the disk (or the database's
 * size limit) is full, the volume went read-only, or the disk fails. They are not the request's
 * fault and not a bug: the person is told that nothing was saved and to try again later, the
 * administrator is told in the log what to fix, and the portal goes on once space returns.
 * SQLite rolls the failed statement (or transaction) back, so nothing is half-written.
 */
export type StorageProblem = 'full' | 'readonly' | 'io';

export function storageProblem(error: unknown): StorageProblem | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'readonly';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  return null;
}

/** What the log says, so the administrator knows where to look. */
export function storageAdvice(problem: StorageProblem, dataDir: string): string {
  switch (problem) {
    case 'full':
      return `the disk holding ${dataDir} is full: free space there (old backups, logs); the portal goes on by itself once there is room`;
    case 'readonly':
      return `${dataDir} (or the database in it) became read-only: check the volume (a remount read-only after disk errors) and the file's owner`;
    default:
      return `the disk holding ${dataDir} reports I/O errors: check it (dmesg, SMART) and have a backup ready`;
  }
}
