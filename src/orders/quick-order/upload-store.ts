/**
 * Uploaded files waiting for the buyer to choose their columns: kept under
 * <data dir>/tmp/quick-order for at most KEEP_MS, named by a random token that only the user
 * who uploaded it, buying for the same company, can use. No JavaScript needed: the column
 * form carries the token instead of the file. One pending upload per user, and a total quota.
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

const MB = 1024 * 1024;

/** How much may wait for a column choice at once: one upload per user, and these totals for everyone. */
export interface PendingLimits {
  maxBytes: number;
  maxUploads: number;
}
export const PENDING_LIMITS: PendingLimits = { maxBytes: 256 * MB, maxUploads: 100 };

/** The pending uploads of other users already take the whole quota; nothing was stored. */
export class UploadQuotaError extends Error {}

interface Pending {
  token: string;
  userId: number | null;
  bytes: number;
}

async function listPending(dir: string): Promise<Pending[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const pending: Pending[] = [];
  for (const name of names) {
    if (!name.endsWith('.data')) continue;
    const token = name.slice(0, -'.data'.length);
    const info = await stat(join(dir, name)).catch(() => null);
    if (!info) continue;
    const meta = await readFile(join(dir, `${token}.json`), 'utf8')
      .then((text) => JSON.parse(text) as Partial<StoredUpload>)
      .catch(() => null);
    pending.push({ token, userId: typeof meta?.userId === 'number' ? meta.userId : null, bytes: info.size });
  }
  return pending;
}

// One store at a time: two uploads of one user at once must not both stay.
let storing: Promise<unknown> = Promise.resolve();

/**
 * Keeps the file for the column choice, replacing the user's earlier pending upload (a user
 * chooses the columns of one file at a time). Throws UploadQuotaError when the others' pending
 * uploads leave no room: the disk must not fill up with files nobody comes back for.
 */
export function storeUpload(dir: string, data: Buffer, meta: StoredUpload, limits: PendingLimits = PENDING_LIMITS): Promise<string> {
  const run = storing.then(async () => {
    await mkdir(dir, { recursive: true });
    await sweepUploads(dir);
    const pending = await listPending(dir);
    const others = pending.filter((p) => p.userId !== meta.userId);
    const used = others.reduce((sum, p) => sum + p.bytes, 0);
    if (others.length + 1 > limits.maxUploads || used + data.length > limits.maxBytes) {
      throw new UploadQuotaError(`${others.length} uploads (${Math.round(used / MB)} MB) already wait for their columns`);
    }
    for (const p of pending) if (p.userId === meta.userId) await deleteUpload(dir, p.token);
    const token = randomBytes(18).toString('base64url');
    await writeFile(join(dir, `${token}.data`), data, { mode: 0o600 });
    await writeFile(join(dir, `${token}.json`), JSON.stringify(meta), { mode: 0o600 });
    return token;
  });
  storing = run.catch(() => {});
  return run;
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
