/**
 * Uploaded files waiting for the buyer to choose their columns: kept under
 * <data dir>/tmp/quick-order for at most KEEP_MS, named by a random token that only the user
 * who uploaded it, buying for the same company, can use. No JavaScript needed: the column
 * form carries the token instead of the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const KEEP_MS = 2 * 60 * 60 * 1000;
const TOKEN = /^[A-Za-z0-9_-]{24}$/;

export interface StoredUpload {
  userId: number;
  companyId: number;
  filename: string;
  replaceCart: boolean;
  createdAt: number;
}

export function uploadsDir(dataDir: string): string {
  return join(dataDir, 'tmp', 'quick-order');
}

export async function storeUpload(dir: string, data: Buffer, meta: StoredUpload): Promise<string> {
  await mkdir(dir, { recursive: true });
  const token = randomBytes(18).toString('base64url');
  await writeFile(join(dir, `${token}.data`), data, { mode: 0o600 });
  await writeFile(join(dir, `${token}.json`), JSON.stringify(meta), { mode: 0o600 });
  return token;
}

/** The stored file, or null when the token is unknown, expired or someone else's. */
export async function loadUpload(
  dir: string,
  token: string,
  owner: { userId: number; companyId: number },
  now: number,
): Promise<{ data: Buffer; meta: StoredUpload } | null> {
  if (!TOKEN.test(token)) return null;
  try {
    const meta = JSON.parse(await readFile(join(dir, `${token}.json`), 'utf8')) as StoredUpload;
    if (meta.userId !== owner.userId || meta.companyId !== owner.companyId || now - meta.createdAt > KEEP_MS) return null;
    return { data: await readFile(join(dir, `${token}.data`)), meta };
  } catch {
    return null;
  }
}

export async function deleteUpload(dir: string, token: string): Promise<void> {
  if (!TOKEN.test(token)) return;
  await rm(join(dir, `${token}.data`), { force: true });
  await rm(join(dir, `${token}.json`), { force: true });
}

/** Removes uploads older than KEEP_MS by file time (wall clock, like the file system's); run on each new upload. */
export async function sweepUploads(dir: string): Promise<void> {
  const now = Date.now();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > KEEP_MS) await rm(path, { force: true });
  }
}
