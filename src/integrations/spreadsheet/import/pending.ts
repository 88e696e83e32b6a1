/**
 * A spreadsheet an admin uploaded, kept server-side between the dry run and "apply" (the form
 * carries a token, never the file): under <data dir>/tmp/spreadsheet, one per user (a new upload
 * replaces the last), removed after apply and after KEEP_MS (the quick order's store and quota).
 */
import { join } from 'node:path';
import { deleteUpload, KEEP_MS, loadUpload, storeUpload } from '../../../orders/quick-order/upload-store.js';

export function pendingDir(dataDir: string): string {
  return join(dataDir, 'tmp', 'spreadsheet');
}

/** Keeps the file; the token to come back with. Throws UploadQuotaError when the store is full. */
export function keepPending(dataDir: string, userId: number, filename: string, data: Buffer, now: number): Promise<string> {
  return storeUpload(pendingDir(dataDir), data, { userId, companyId: 0, filename, replaceCart: false, createdAt: now });
}

/** Where the user's kept file is and its own name; null when the token is unknown, expired or someone else's. */
export async function findPending(
  dataDir: string,
  userId: number,
  token: string,
  now: number,
): Promise<{ path: string; filename: string } | null> {
  const found = await loadUpload(pendingDir(dataDir), token, { userId, companyId: 0 }, now);
  if (!found) return null;
  return { path: join(pendingDir(dataDir), `${token}.data`), filename: found.meta.filename };
}

export function dropPending(dataDir: string, token: string): Promise<void> {
  return deleteUpload(pendingDir(dataDir), token);
}

export const PENDING_KEEP_MS = KEEP_MS;
