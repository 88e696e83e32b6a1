/**
 * Pictures of MoySklad products and variants, copied to the portal through the photo rules
 * (src/catalog/photos.ts: checked, resized, stored as WebP). MoySklad's own download links live a
 * minute and need the token, so they are never shown to buyers.
 *
 * Two halves, so a sync never waits for pictures and never asks per product:
 *  - while the catalog is read, `ImageNotes` remembers each good that has pictures (or had them)
 *    with the `updated` MoySklad gave it — MoySklad moves `updated` when pictures change;
 *  - after the sync, `copyImages` takes the goods whose pictures are not yet copied at that
 *    `updated`, 50 to a request (`filter=id=…;id=…&expand=images`), downloads what the portal does
 *    not have, removes what MoySklad no longer has, and stops at `images_per_sync` pictures. What
 *    is left waits for the next sync.
 */

import { deletePhoto, PhotoError, storePhoto } from '../../catalog/photos.js';
import type { AppContext } from '../../context.js';
import { type MoySkladClient, MoySkladError } from './client.js';

export type ImageEntity = 'product' | 'variant';

export interface MsImage {
  meta: { href: string; downloadHref?: string };
  filename?: string;
  title?: string;
}

/** The part of a product or variant that says whether it has pictures. */
export interface GoodWithImages {
  id: string;
  updated: string;
  images?: { meta?: { size?: number }; rows?: MsImage[] };
}

export interface ImageCounts {
  images_added: number;
  images_removed: number;
  image_problems: number;
  /** Goods whose pictures are still to be copied (by the next syncs). */
  images_waiting: number;
}

/** Goods asked for in one request; 50 ids keep the address well under any proxy's limit. */
const BATCH = 50;
const SOURCE = 'moysklad:';

const PENDING = 'synced is null or synced <> updated';

/** Collects, page by page, the goods a sync read; written in one transaction per page. */
export class ImageNotes {
  private rows: [ImageEntity, GoodWithImages][] = [];

  constructor(private readonly ctx: Pick<AppContext, 'db' | 'database'>) {}

  note(entity: ImageEntity, good: GoodWithImages): void {
    this.rows.push([entity, good]);
  }

  async flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    if (rows.length === 0) return;
    const { sqlite } = this.ctx.database;
    // A good with pictures is remembered; one without is only updated when it had some (they go).
    const withImages = sqlite.prepare(
      `insert into moysklad_images (ms_id, entity, updated) values (?, ?, ?)
        on conflict (ms_id) do update set updated = excluded.updated, entity = excluded.entity where updated <> excluded.updated`,
    );
    const without = sqlite.prepare('update moysklad_images set updated = ? where ms_id = ? and updated <> ?');
    // Raw statements while holding Kysely's only connection (as the catalog staging does): 100,000 goods in well under a second.
    await this.ctx.db.connection().execute(async () => {
      sqlite.transaction(() => {
        for (const [entity, good] of rows) {
          if ((good.images?.meta?.size ?? 0) > 0) withImages.run(good.id, entity, good.updated);
          else without.run(good.updated, good.id, good.updated);
        }
      })();
    });
  }
}

interface Pending {
  rowid: number;
  ms_id: string;
  entity: ImageEntity;
  updated: string;
}

/**
 * Copies pictures of goods noted by earlier syncs, at most `limit` downloads. A picture the
 * photo rules refuse is a problem named in `problems` (and not tried again until the good
 * changes); a download that failed leaves the good waiting for the next sync.
 */
export async function copyImages(
  ctx: AppContext,
  client: MoySkladClient,
  opts: { limit: number; problems: string[] },
): Promise<ImageCounts> {
  const counts: ImageCounts = { images_added: 0, images_removed: 0, image_problems: 0, images_waiting: 0 };
  const maxBytes = ctx.config.photos.maxUploadMb * 1024 * 1024;
  const problem = (text: string) => {
    counts.image_problems += 1;
    if (opts.problems.length < 20) opts.problems.push(text);
  };
  let downloads = 0;
  let after = 0;
  scan: for (;;) {
    const batch = (await ctx.database.sqlite
      .prepare(
        `select rowid, ms_id, entity, updated from moysklad_images where rowid > ? and (${PENDING}) order by rowid limit ?`,
      )
      .all(after, BATCH)) as Pending[];
    if (batch.length === 0) break;
    after = batch[batch.length - 1]?.rowid ?? after;
    for (const entity of ['product', 'variant'] as const) {
      const wanted = batch.filter((b) => b.entity === entity);
      if (wanted.length === 0) continue;
      const page = await client.get<{ rows: GoodWithImages[] }>(`/entity/${entity}`, {
        filter: wanted.map((w) => `id=${w.ms_id}`).join(';'),
        expand: 'images',
        limit: 100,
      });
      const goods = new Map(page.rows.map((g) => [g.id, g]));
      for (const item of wanted) {
        const good = goods.get(item.ms_id);
        // Gone from MoySklad or archived: its product is hidden, its pictures stay until it returns.
        const productId = good ? await portalProduct(ctx, item.ms_id) : null;
        if (!good || productId === null) {
          await markSynced(ctx, item);
          continue;
        }
        const images = await imagesOf(client, entity, good);
        const outcome = await mirror(ctx, client, productId, images, {
          maxBytes,
          room: () => opts.limit - downloads,
          downloaded: () => {
            downloads += 1;
          },
          counts,
          problem,
        });
        if (outcome === 'done') await markSynced(ctx, item);
        if (downloads >= opts.limit) break scan;
      }
    }
  }
  const waiting = ctx.database.sqlite.prepare(`select count(*) as n from moysklad_images where ${PENDING}`).get() as {
    n: number;
  };
  counts.images_waiting = waiting.n;
  return counts;
}

async function portalProduct(ctx: AppContext, msId: string): Promise<number | null> {
  const row = await ctx.db.selectFrom('products').select('id').where('external_ms_id', '=', msId).executeTakeFirst();
  return row?.id ?? null;
}

async function markSynced(ctx: AppContext, item: Pending): Promise<void> {
  await ctx.db.updateTable('moysklad_images').set({ synced: item.updated }).where('ms_id', '=', item.ms_id).execute();
}

/** The good's pictures: expanded in the list, or (when MoySklad left them out) asked for on their own. */
async function imagesOf(client: MoySkladClient, entity: ImageEntity, good: GoodWithImages): Promise<MsImage[]> {
  if (good.images?.rows) return good.images.rows;
  if ((good.images?.meta?.size ?? 0) === 0) return [];
  return (await client.get<{ rows: MsImage[] }>(`/entity/${entity}/${encodeURIComponent(good.id)}/images`)).rows;
}

/** The picture's own id: identical pictures (same file and name) share it in MoySklad. */
function imageId(image: MsImage): string {
  return image.meta.href.slice(image.meta.href.lastIndexOf('/') + 1);
}

interface MirrorOptions {
  maxBytes: number;
  room: () => number;
  downloaded: () => void;
  counts: ImageCounts;
  problem: (text: string) => void;
}

/** Makes the product's MoySklad pictures what MoySklad has; photos uploaded on the portal stay. */
async function mirror(
  ctx: AppContext,
  client: MoySkladClient,
  productId: number,
  images: MsImage[],
  opts: MirrorOptions,
): Promise<'done' | 'later'> {
  const have = await ctx.db
    .selectFrom('product_photos')
    .select(['id', 'source'])
    .where('product_id', '=', productId)
    .where('source', 'like', `${SOURCE}%`)
    .execute();
  const wanted = new Set(images.map(imageId));
  for (const photo of have) {
    if (wanted.has(photo.source.slice(SOURCE.length))) continue;
    if (await deletePhoto(ctx, productId, photo.id)) opts.counts.images_removed += 1;
  }
  const known = new Set(have.map((p) => p.source.slice(SOURCE.length)));
  let outcome: 'done' | 'later' = 'done';
  for (const image of images) {
    const id = imageId(image);
    if (known.has(id)) continue;
    const name = image.filename ?? image.title ?? id;
    if (!image.meta.downloadHref) {
      opts.problem(`picture ${name}: MoySklad gave no download link`);
      continue;
    }
    if (opts.room() <= 0) return 'later';
    let data: Buffer;
    try {
      opts.downloaded();
      data = await client.download(image.meta.downloadHref, opts.maxBytes);
    } catch (error) {
      if (!(error instanceof MoySkladError)) throw error;
      // A token or budget problem stops the pass; a picture that could not be fetched waits for the next sync.
      if (error.problem === 'auth' || error.problem === 'rate') throw error;
      opts.problem(`picture ${name}: ${error.message}`);
      outcome = error.problem === 'invalid' || error.problem === 'forbidden' ? outcome : 'later';
      continue;
    }
    try {
      await storePhoto(ctx, productId, { filename: name, data }, `${SOURCE}${id}`);
      opts.counts.images_added += 1;
    } catch (error) {
      if (!(error instanceof PhotoError)) throw error;
      if (error.code !== 'duplicate') opts.problem(`picture ${name}: ${photoReason(error)}`);
    }
  }
  return outcome;
}

function photoReason(error: PhotoError): string {
  const d = error.details;
  switch (error.code) {
    case 'tooLarge':
      return `larger than ${d.maxMb} MB (photos.max_upload_mb)`;
    case 'notImage':
      return 'not a picture the portal accepts (JPEG, PNG, WebP, GIF, AVIF, TIFF)';
    case 'tooManyPixels':
      return `${d.megapixels} megapixels, more than ${d.maxMegapixels}`;
    case 'tooMany':
      return `the product already has ${d.max} photos (photos.max_per_product)`;
    case 'quota':
      return `the photo storage is full (${d.usedMb} of ${d.quotaMb} MB, photos.quota_mb)`;
    default:
      return error.message;
  }
}
