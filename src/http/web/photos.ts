import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyMultipartBaseOptions, Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  deletePhoto,
  PhotoError,
  type PhotoErrorCode,
  photoBytesTotal,
  photosDir,
  photosOf,
  photoUrls,
  SERVED_PHOTO_NAME,
  storePhoto,
} from '../../catalog/photos.js';
import type { AppContext } from '../../context.js';
import { formatNumber, type MessageKey } from '../../i18n/index.js';
import { idParam, requireRole } from '../guards.js';
import { notFound } from '../http-error.js';
import { nextPart, pendingUpload, readFieldsBeforeFirstFile, readFilePart, shownName } from '../multipart.js';

const MB = 1024 * 1024;

/**
 * GET /photos/:name: the stored photos, public and cached for a year (names are content
 * hashes, so a file never changes). Registered outside the session scope on purpose: no session
 * lookup and no cookie on the response, so a proxy or CDN may cache it. Photos show no prices.
 */
export async function photoFileRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const dir = photosDir(ctx.config);
  const missing = (reply: FastifyReply) =>
    reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not found');

  app.get('/photos/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    // The pattern is the whole defence against path tricks: hex, a fixed suffix, nothing else.
    if (!SERVED_PHOTO_NAME.test(name)) return missing(reply);
    const path = join(dir, name);
    const stats = await stat(path).catch(() => null);
    if (!stats?.isFile()) return missing(reply);
    const etag = `"${name}"`;
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', etag)
      .header('last-modified', stats.mtime.toUTCString())
      // Images may be shown by a webmail or an accounting system on another origin.
      .header('cross-origin-resource-policy', 'cross-origin')
      .type(name.endsWith('.webp') ? 'image/webp' : 'image/jpeg');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.header('content-length', stats.size);
    return reply.send(createReadStream(path));
  });
}

/** Messages and statuses of refusals; the page shows them next to the upload form. */
const ERROR_KEY: Record<PhotoErrorCode, MessageKey> = {
  tooLarge: 'photos.errorTooLarge',
  notImage: 'photos.errorNotImage',
  tooManyPixels: 'photos.errorTooManyPixels',
  tooMany: 'photos.errorTooMany',
  quota: 'photos.errorQuota',
  duplicate: 'photos.errorDuplicate',
};
const ERROR_STATUS: Record<PhotoErrorCode, number> = {
  tooLarge: 413,
  tooManyPixels: 413,
  quota: 413,
  notImage: 415,
  tooMany: 422,
  duplicate: 422,
};

interface FileResult {
  filename: string;
  /** Null when stored. */
  error: string | null;
}

interface PageState {
  results?: FileResult[];
  /** A problem with the request as a whole rather than with one file. */
  error?: string;
}

/** Long names are cut in messages; the name is only ever text, never a path. */
/**
 * The admin page of a product's photos. The upload POST streams: each file is read up to
 * photos.max_upload_mb (the parser stops there and flags it as truncated, so a 2 GB upload
 * never sits in memory), converted and stored before the next one is read.
 */
export async function photoAdminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const adminOnly = requireRole('admin');
  const limits = ctx.config.photos;

  async function productOr404(request: FastifyRequest) {
    const product = await ctx.db
      .selectFrom('products')
      .select(['id', 'name'])
      .where('id', '=', idParam(request.params))
      .executeTakeFirst();
    if (!product) throw notFound();
    return product;
  }

  function errorMessage(request: FastifyRequest, error: PhotoError): string {
    const n = (value: number | undefined) => formatNumber(value ?? 0, request.locale, 1);
    const d = error.details;
    return request.t(ERROR_KEY[error.code], {
      file: shownName(error.filename),
      maxMb: n(d.maxMb),
      max: n(d.max),
      megapixels: n(d.megapixels),
      maxMegapixels: n(d.maxMegapixels),
      usedMb: n(d.usedMb),
      quotaMb: n(d.quotaMb),
    });
  }

  async function showPage(
    request: FastifyRequest,
    reply: FastifyReply,
    product: { id: number; name: string },
    state: PageState = {},
    status = 200,
  ) {
    const [rows, usedBytes] = await Promise.all([photosOf(ctx.db, product.id), photoBytesTotal(ctx.db)]);
    const photos = rows.map((row) => ({ ...row, urls: photoUrls(row.file), kb: Math.max(1, Math.round(row.bytes / 1024)) }));
    return reply.page(
      'admin/product-photos',
      {
        product,
        photos,
        limits: { maxMb: limits.maxUploadMb, max: limits.maxPerProduct, px: limits.maxPx, keepOriginals: limits.keepOriginals },
        // Anything stored shows as at least 0.1 MB, not as a misleading 0.
        usage: {
          usedMb: formatNumber(usedBytes > 0 ? Math.max(0.1, usedBytes / MB) : 0, request.locale, 1),
          quotaMb: formatNumber(limits.quotaMb, request.locale),
        },
        results: state.results ?? [],
        error: state.error,
      },
      status,
    );
  }

  app.get('/admin/products/:id/photos', { preHandler: adminOnly }, async (request, reply) => {
    return showPage(request, reply, await productOr404(request));
  });

  /**
   * Reads the form fields sent before the first file (the browser sends them in page order,
   * and `_csrf` comes first), so the CSRF check, which runs as a preHandler, finds the token in
   * the body. The files are left in the stream for the handler: nothing is read before the role
   * (onRequest) and the token (preHandler) are checked.
   */
  async function readFieldsBeforeFiles(request: FastifyRequest) {
    if (!request.isMultipart()) return;
    // Over-size files are cut at the limit and flagged as truncated rather than failing the
    // whole request, so each file gets its own answer. (parts() is typed with busboy's options
    // only but passes throwFileSizeLimit on, as files() does.)
    const options: FastifyMultipartBaseOptions = {
      throwFileSizeLimit: false,
      limits: {
        fileSize: limits.maxUploadMb * MB,
        files: limits.maxPerProduct,
        fields: 10,
        fieldSize: 1024,
        parts: limits.maxPerProduct + 10,
      },
    };
    await readFieldsBeforeFirstFile(request, options);
  }

  app.post(
    '/admin/products/:id/photos',
    { onRequest: adminOnly, preValidation: readFieldsBeforeFiles },
    async (request, reply) => {
      const product = await productOr404(request);
      const pending = pendingUpload(request);
      const results: (FileResult & { status: number })[] = [];
      let requestProblem: string | undefined;

      // Parser failures are the request's fault (4xx); storePhoto's own failures other than
      // refusals (disk, database) are ours and stay 500s. More files than a product may have
      // photos: what came before the limit is kept.
      const tooMany = () => {
        requestProblem = request.t('photos.errorTooManyFiles', { max: limits.maxPerProduct });
      };
      for (let part: Multipart | null = pending?.first ?? null; part; part = await nextPart(pending, tooMany)) {
        if (part.type !== 'file') continue;
        const data = await readFilePart(part);
        // Typed as a string, but a part without a filename parameter gets none at all.
        const sentName: string = part.filename ?? '';
        // An empty file input still sends a part, with no name and no bytes.
        if (part.fieldname !== 'photo' || (sentName === '' && data.length === 0)) continue;
        const filename = shownName(sentName);
        try {
          await storePhoto(ctx, product.id, { filename: sentName, data, truncated: part.file.truncated });
          results.push({ filename, error: null, status: 200 });
        } catch (error) {
          if (!(error instanceof PhotoError)) throw error;
          results.push({ filename, error: errorMessage(request, error), status: ERROR_STATUS[error.code] });
        }
      }

      const stored = results.filter((r) => r.error === null).length;
      if (!requestProblem && stored === results.length) {
        if (stored === 0) return showPage(request, reply, product, { error: request.t('photos.errorNoFile') }, 422);
        const notice = stored === 1 ? 'photos.uploaded' : 'photos.uploadedMany';
        return reply.redirect(`/admin/products/${product.id}/photos?notice=${notice}`, 303);
      }
      const status = results.find((r) => r.error !== null)?.status ?? 413;
      return showPage(request, reply, product, { results, error: requestProblem }, status);
    },
  );

  app.post('/admin/products/:id/photos/:photoId/delete', { preHandler: adminOnly }, async (request, reply) => {
    const product = await productOr404(request);
    if (!(await deletePhoto(ctx, product.id, idParam(request.params, 'photoId')))) throw notFound();
    return reply.redirect(`/admin/products/${product.id}/photos?notice=photos.deleted`, 303);
  });
}
