import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Metadata } from 'sharp';
import type { Config } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { DB, ProductPhotoRow } from '../db/schema.js';

/**
 * Product photos. Every image, whatever its source (admin upload, 1C's import_files/), goes
 * through sharp: auto-rotated, stripped of metadata, scaled down to `photos.max_px` and stored
 * as WebP with two thumbnails. Limits per file, per product and in total keep the portal from
 * becoming somebody's photo host.
 *
 * Files live in <data_dir>/photos, named `<base>.webp`, `<base>-thumb.webp`, `<base>-thumb.jpg`
 * (and `<base>-original.<ext>` with keep_originals). They never change once written, so they are
 * served with a one-year immutable cache header.
 */

export type PhotoContext = Pick<AppContext, 'config' | 'db' | 'clock' | 'log'>;

export interface PhotoUpload {
  /** The name the file had on the sender's side; only shown in messages, never used as a path. */
  filename: string;
  data: Buffer;
  /** The multipart parser stopped reading at the size limit: data is only the start of the file. */
  truncated?: boolean;
}

/** What sharp may read: the usual photo formats. SVG, PDF, HEIC and RAW are refused. */
export const ACCEPTED_FORMATS = ['JPEG', 'PNG', 'WebP', 'GIF', 'AVIF', 'TIFF'] as const;

/** A decompression bomb guard: a small file may still decode to gigabytes of pixels. */
export const MAX_INPUT_PIXELS = 50_000_000;

/** The names GET /photos/:name serves; originals and temp files never match. */
export const SERVED_PHOTO_NAME = /^[0-9a-f]{24}(-thumb)?\.(webp|jpg)$/;

const MB = 1024 * 1024;
const QUALITY = 80;
/** Extensions an original may have been kept under, by sharp's format name. */
const ORIGINAL_EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', heif: 'avif', tiff: 'tif' };

export type PhotoErrorCode = 'tooLarge' | 'notImage' | 'tooManyPixels' | 'tooMany' | 'quota' | 'duplicate';

/** Numbers a refusal message names: the limit that was hit and, for the quota, how much is used. */
export interface PhotoErrorDetails {
  maxMb?: number;
  max?: number;
  megapixels?: number;
  maxMegapixels?: number;
  usedMb?: number;
  quotaMb?: number;
}

/** A photo refused for a reason the person uploading it can act on. */
export class PhotoError extends Error {
  constructor(
    readonly code: PhotoErrorCode,
    readonly filename: string,
    readonly details: PhotoErrorDetails = {},
  ) {
    super(`photo refused (${code}): ${filename}`);
    this.name = 'PhotoError';
  }
}

export function photosDir(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'photos');
}

export function photoUrls(file: string): { full: string; thumb: string; thumbJpeg: string } {
  return { full: `/photos/${file}.webp`, thumb: `/photos/${file}-thumb.webp`, thumbJpeg: `/photos/${file}-thumb.jpg` };
}

/** Every file a photo may have on disk, served or not. */
function filesOf(file: string): string[] {
  const originals = [...new Set(Object.values(ORIGINAL_EXT))].map((ext) => `${file}-original.${ext}`);
  return [`${file}.webp`, `${file}-thumb.webp`, `${file}-thumb.jpg`, ...originals];
}

export async function photosOf(db: Kysely<DB>, productId: number): Promise<ProductPhotoRow[]> {
  return db.selectFrom('product_photos').selectAll().where('product_id', '=', productId).orderBy('sort').orderBy('id').execute();
}

/** Bytes all stored photos take on disk (every size), the figure the quota is about. */
export async function photoBytesTotal(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('product_photos')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('bytes'), eb.lit(0)).as('total'))
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

async function photoCount(db: Kysely<DB>, productId: number): Promise<number> {
  const row = await db
    .selectFrom('product_photos')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

const toMb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

function checkCount(config: Config, filename: string, count: number): void {
  if (count >= config.photos.maxPerProduct) throw new PhotoError('tooMany', filename, { max: config.photos.maxPerProduct });
}

function checkQuota(config: Config, filename: string, usedBytes: number, addedBytes: number): void {
  const quotaBytes = config.photos.quotaMb * MB;
  if (usedBytes + addedBytes > quotaBytes) {
    throw new PhotoError('quota', filename, { usedMb: toMb(usedBytes), quotaMb: config.photos.quotaMb });
  }
}

interface Processed {
  full: Buffer;
  thumb: Buffer;
  thumbJpeg: Buffer;
  width: number;
  height: number;
  /** sharp's name of the input format, for the original's extension. */
  format: string;
}

// Loaded on the first photo, not at start: libvips and its caches are ~15 MB of memory that a
// portal which only serves catalog pages never needs.
let sharpModule: Promise<typeof import('sharp')> | undefined;
async function loadSharp() {
  if (sharpModule === undefined) sharpModule = import('sharp');
  return (await sharpModule).default;
}

/** Reads, checks and converts the image; every way it can fail is a PhotoError. */
async function processImage(config: Config, upload: PhotoUpload): Promise<Processed> {
  const { filename, data } = upload;
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(data).metadata();
  } catch {
    throw new PhotoError('notImage', filename);
  }
  const accepted = meta.format in ORIGINAL_EXT && (meta.format !== 'heif' || meta.compression === 'av1');
  if (!accepted) throw new PhotoError('notImage', filename);
  // Only the first page/frame is read, so that is what counts.
  const pixels = meta.width * (meta.pageHeight ?? meta.height);
  const tooManyPixels = () =>
    new PhotoError('tooManyPixels', filename, {
      megapixels: Math.round(pixels / 100_000) / 10,
      maxMegapixels: MAX_INPUT_PIXELS / 1_000_000,
    });
  if (pixels > MAX_INPUT_PIXELS) throw tooManyPixels();

  const { maxPx, thumbPx } = config.photos;
  try {
    // autoOrient applies the EXIF orientation; output carries no metadata unless asked to.
    const { data: full, info } = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize({ width: maxPx, height: maxPx, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: QUALITY })
      .toBuffer({ resolveWithObject: true });
    // Thumbnails come from the stored size: already decoded small, already upright.
    const thumbnail = () => sharp(full).resize({ width: thumbPx, height: thumbPx, fit: 'inside', withoutEnlargement: true });
    const [thumb, thumbJpeg] = await Promise.all([
      thumbnail().webp({ quality: QUALITY }).toBuffer(),
      // JPEG for e-mails and PDFs; it has no transparency, so a transparent PNG goes on white.
      thumbnail().flatten({ background: '#ffffff' }).jpeg({ quality: QUALITY, mozjpeg: true }).toBuffer(),
    ]);
    return { full, thumb, thumbJpeg, width: info.width, height: info.height, format: meta.format };
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw tooManyPixels();
    throw new PhotoError('notImage', filename);
  }
}

/** Writes via a temp file, flushed and renamed: a crash leaves either the whole file or none. */
async function writeAtomically(dir: string, name: string, data: Buffer): Promise<void> {
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function removeFiles(dir: string, file: string): Promise<void> {
  await Promise.all(filesOf(file).map((name) => rm(join(dir, name), { force: true })));
}

/** Removes a photo's files unless a row still uses them (a duplicate stored meanwhile). */
async function removeFilesIfUnused(ctx: PhotoContext, dir: string, file: string): Promise<void> {
  const used = await ctx.db.selectFrom('product_photos').select('id').where('file', '=', file).executeTakeFirst();
  if (!used) await removeFiles(dir, file);
}

/**
 * Checks, converts and stores one photo of a product, as the product's last photo.
 * Throws PhotoError for anything the uploader should be told about; the caller checks that
 * the product exists.
 */
export async function storePhoto(
  ctx: PhotoContext,
  productId: number,
  upload: PhotoUpload,
  source = 'upload',
): Promise<ProductPhotoRow> {
  const { config } = ctx;
  const { filename, data } = upload;
  const maxBytes = config.photos.maxUploadMb * MB;
  if (upload.truncated || data.length > maxBytes)
    throw new PhotoError('tooLarge', filename, { maxMb: config.photos.maxUploadMb });

  // The cheap refusals first, before spending CPU on the image.
  checkCount(config, filename, await photoCount(ctx.db, productId));
  checkQuota(config, filename, await photoBytesTotal(ctx.db), 0);

  const image = await processImage(config, upload);
  // The base name is a content hash, salted with the product: product_photos.file is unique,
  // so two products with the same picture get their own copies (deleting one keeps the other),
  // and the same picture twice on one product gives the same name: a duplicate.
  const file = createHash('sha256').update(`product:${productId}\n`).update(image.full).digest('hex').slice(0, 24);
  if (await ctx.db.selectFrom('product_photos').select('id').where('file', '=', file).executeTakeFirst()) {
    throw new PhotoError('duplicate', filename);
  }

  const outputs: [string, Buffer][] = [
    [`${file}.webp`, image.full],
    [`${file}-thumb.webp`, image.thumb],
    [`${file}-thumb.jpg`, image.thumbJpeg],
  ];
  if (config.photos.keepOriginals) outputs.push([`${file}-original.${ORIGINAL_EXT[image.format] ?? 'bin'}`, data]);
  const bytes = outputs.reduce((sum, [, buffer]) => sum + buffer.length, 0);
  checkQuota(config, filename, await photoBytesTotal(ctx.db), bytes);

  const dir = photosDir(config);
  await mkdir(dir, { recursive: true });
  try {
    // The row only once every file is in place, so a row never points at a missing file.
    for (const [name, buffer] of outputs) await writeAtomically(dir, name, buffer);
    // Checked again in the transaction: another upload may have finished while this one was converted.
    const row = await ctx.db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('product_photos').select('id').where('file', '=', file).executeTakeFirst()) {
        throw new PhotoError('duplicate', filename);
      }
      checkCount(config, filename, await photoCount(trx, productId));
      checkQuota(config, filename, await photoBytesTotal(trx), bytes);
      const last = await trx
        .selectFrom('product_photos')
        .select((eb) => eb.fn.max('sort').as('sort'))
        .where('product_id', '=', productId)
        .executeTakeFirst();
      return trx
        .insertInto('product_photos')
        .values({
          product_id: productId,
          file,
          width: image.width,
          height: image.height,
          bytes,
          sort: last?.sort === null || last?.sort === undefined ? 0 : Number(last.sort) + 1,
          source,
          created_at: ctx.clock.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    ctx.log.info({ productId, photoId: row.id, file, bytes, source }, 'photo stored');
    return row;
  } catch (error) {
    // The same files may belong to a duplicate stored meanwhile: those stay.
    await removeFilesIfUnused(ctx, dir, file).catch((cleanupError: unknown) =>
      ctx.log.error({ err: cleanupError, file }, 'could not remove the files of a photo that was not stored'),
    );
    throw error;
  }
}

/** Removes a photo of the product and its files; false when the product has no such photo. */
export async function deletePhoto(ctx: PhotoContext, productId: number, photoId: number): Promise<boolean> {
  const row = await ctx.db
    .deleteFrom('product_photos')
    .where('id', '=', photoId)
    .where('product_id', '=', productId)
    .returning('file')
    .executeTakeFirst();
  if (!row) return false;
  // Row first, files after: a crash in between leaves unreferenced files, never a broken image.
  await removeFiles(photosDir(ctx.config), row.file);
  ctx.log.info({ productId, photoId, file: row.file }, 'photo deleted');
  return true;
}
