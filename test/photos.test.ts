import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeepPartialRecord } from '../src/config/load.js';
import { deletePhoto, MAX_INPUT_PIXELS, PhotoError, photosOf, photoUrls, storePhoto } from '../src/catalog/photos.js';
import { Browser, type FilePart, makeUser, multipartBody, startTestApp, type TestApp } from './helpers.js';

const MB = 1024 * 1024;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(photos: DeepPartialRecord = {}): Promise<TestApp> {
  t = await startTestApp({ photos });
  return t;
}

function app(): TestApp {
  if (!t) throw new Error('no app started');
  return t;
}

async function makeProduct(name = 'Кружка керамическая') {
  const now = app().clock.now();
  return app()
    .ctx.db.insertInto('products')
    .values({
      name,
      parent_id: null,
      category_id: null,
      unit_id: null,
      vat_bp: null,
      external_1c_id: null,
      external_ms_id: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function loggedIn(role: 'admin' | 'manager' | 'buyer') {
  const user = await makeUser(app().ctx, role);
  const browser = new Browser(app().app);
  expect((await browser.login(user.email)).status).toBe(303);
  return browser;
}

const jpeg = (width: number, height: number, background = '#c33') =>
  sharp({ create: { width, height, channels: 3, background } })
    .jpeg()
    .toBuffer();

/** Posts files to a product's photo page the way its form does (`_csrf` field first). */
async function upload(
  browser: Browser,
  productId: number,
  files: FilePart[],
  opts: { csrf?: string | null; csrfHeader?: boolean } = {},
) {
  const url = `/admin/products/${productId}/photos`;
  const token = opts.csrf === undefined ? await browser.csrf('/account') : opts.csrf;
  const fields: Record<string, string> = token !== null && !opts.csrfHeader ? { _csrf: token } : {};
  const { payload, contentType } = await multipartBody(fields, files);
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app().app.inject({
    method: 'POST',
    url,
    payload,
    headers: { cookie, 'content-type': contentType, ...(opts.csrfHeader && token ? { 'x-csrf-token': token } : {}) },
  });
  return { status: res.statusCode, body: res.body, location: res.headers.location };
}

const photoDir = () => join(app().dataDir, 'photos');
const storedFiles = () => (existsSync(photoDir()) ? readdirSync(photoDir()).sort() : []);
const rows = () => app().ctx.db.selectFrom('product_photos').selectAll().orderBy('id').execute();

describe('uploading a photo', () => {
  it('stores a big JPEG as a bounded WebP plus thumbnails, served immutable, original dropped', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');

    const res = await upload(admin, product.id, [{ filename: 'IMG_0001.JPG', data: await jpeg(4000, 3000), type: 'image/jpeg' }]);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/admin/products/${product.id}/photos?notice=photos.uploaded`);

    const [row] = await rows();
    expect(row).toMatchObject({ product_id: product.id, width: 1600, height: 1200, source: 'upload', sort: 0 });
    expect(row?.file).toMatch(/^[0-9a-f]{24}$/);
    const file = row?.file ?? '';
    // Only the three sizes; no original, no temp files.
    expect(storedFiles()).toEqual([`${file}-thumb.jpg`, `${file}-thumb.webp`, `${file}.webp`]);
    const onDisk = storedFiles().reduce((sum, f) => sum + statSync(join(photoDir(), f)).size, 0);
    expect(row?.bytes).toBe(onDisk);

    const urls = photoUrls(file);
    const anonymous = new Browser(app().app);
    const full = await app().app.inject({ method: 'GET', url: urls.full });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/webp');
    expect(full.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(full.headers['set-cookie']).toBeUndefined();
    const fullMeta = await sharp(full.rawPayload).metadata();
    expect([fullMeta.format, fullMeta.width, fullMeta.height]).toEqual(['webp', 1600, 1200]);

    const thumb = await anonymous.get(urls.thumb);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    const thumbMeta = await sharp(join(photoDir(), `${file}-thumb.webp`)).metadata();
    expect([thumbMeta.width, thumbMeta.height]).toEqual([240, 180]);

    const thumbJpeg = await app().app.inject({ method: 'GET', url: urls.thumbJpeg });
    expect(thumbJpeg.statusCode).toBe(200);
    expect(thumbJpeg.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(thumbJpeg.rawPayload).metadata()).format).toBe('jpeg');

    const again = await app().app.inject({
      method: 'GET',
      url: urls.full,
      headers: { 'if-none-match': String(full.headers.etag) },
    });
    expect(again.statusCode).toBe(304);

    const page = await admin.get(res.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Фото добавлено.');
    expect(page.body).toContain(urls.thumb);
    expect(page.body).toContain('1 из 10 фото');
    expect(page.body).toContain('до 10 МБ каждый, не больше 10 фото у товара');
  });

  it('turns the photo upright by its EXIF orientation and strips the metadata', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const rotated = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#36c' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);

    expect((await upload(admin, product.id, [{ filename: 'phone.jpg', data: rotated }])).status).toBe(303);
    const [row] = await rows();
    expect([row?.width, row?.height]).toEqual([300, 400]);
    const meta = await sharp(join(photoDir(), `${row?.file}.webp`)).metadata();
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
  });

  it('never enlarges a small photo', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    expect(
      (
        await upload(admin, product.id, [
          {
            filename: 'small.png',
            data: await sharp({ create: { width: 120, height: 90, channels: 4, background: '#0000' } })
              .png()
              .toBuffer(),
          },
        ])
      ).status,
    ).toBe(303);
    const [row] = await rows();
    expect([row?.width, row?.height]).toEqual([120, 90]);
  });

  it('keeps the original only when the config says so, and never serves it', async () => {
    await start({ keep_originals: true });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const original = await jpeg(800, 600);
    expect((await upload(admin, product.id, [{ filename: 'a.jpg', data: original }])).status).toBe(303);
    const [row] = await rows();
    const name = `${row?.file}-original.jpg`;
    expect(storedFiles()).toContain(name);
    expect(statSync(join(photoDir(), name)).size).toBe(original.length);
    const onDisk = storedFiles().reduce((sum, f) => sum + statSync(join(photoDir(), f)).size, 0);
    expect(row?.bytes).toBe(onDisk);
    expect((await app().app.inject({ method: 'GET', url: `/photos/${name}` })).statusCode).toBe(404);
  });

  it('takes several files in one request and answers for each', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const res = await upload(admin, product.id, [
      { filename: 'one.jpg', data: await jpeg(640, 480, '#111') },
      { filename: 'notes.txt', data: Buffer.from('not a photo at all'), type: 'text/plain' },
      { filename: 'two.jpg', data: await jpeg(640, 480, '#eee') },
    ]);
    expect(res.status).toBe(415);
    expect(res.body).toContain('Не всё удалось загрузить');
    expect(res.body).toContain('«one.jpg» — добавлено.');
    expect(res.body).toContain('«two.jpg» — добавлено.');
    expect(res.body).toContain('Файл «notes.txt» — не фото');
    expect(await rows()).toHaveLength(2);

    const both = await upload(admin, product.id, [
      { filename: 'three.jpg', data: await jpeg(640, 480, '#0a0') },
      { filename: 'four.jpg', data: await jpeg(640, 480, '#00a') },
    ]);
    expect(both.status).toBe(303);
    expect(both.location).toContain('notice=photos.uploadedMany');
    expect((await rows()).map((r) => r.sort)).toEqual([0, 1, 2, 3]);
  });

  it('accepts the CSRF token as a header too, and refuses a multipart post without one', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const data = await jpeg(300, 200);
    const without = await upload(admin, product.id, [{ filename: 'a.jpg', data }], { csrf: null });
    expect(without.status).toBe(403);
    expect(without.body).toContain('Форма устарела');
    expect(await upload(admin, product.id, [{ filename: 'a.jpg', data }], { csrf: 'forged' })).toMatchObject({ status: 403 });
    expect(await rows()).toHaveLength(0);
    expect((await upload(admin, product.id, [{ filename: 'a.jpg', data }], { csrfHeader: true })).status).toBe(303);
    expect(await rows()).toHaveLength(1);
  });

  it('asks for a file when none was chosen', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    // What a browser sends for an empty file input: a part with filename="" and no bytes.
    const token = await admin.csrf('/account');
    const boundary = '----optovikTestBoundary';
    const payload = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="_csrf"',
      '',
      token,
      `--${boundary}`,
      'Content-Disposition: form-data; name="photo"; filename=""',
      'Content-Type: application/octet-stream',
      '',
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await app().app.inject({
      method: 'POST',
      url: `/admin/products/${product.id}/photos`,
      payload,
      headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Выберите файл с фото.');
    // undici's FormData leaves the filename out altogether.
    expect((await upload(admin, product.id, [{ filename: '', data: Buffer.alloc(0) }])).status).toBe(422);
    // A plain form post without the multipart encoding has no file either.
    expect(
      (await admin.post(`/admin/products/${product.id}/photos`, { photo: 'C:\\fakepath\\a.jpg' }, { csrfFrom: '/account' }))
        .status,
    ).toBe(422);
    expect(await rows()).toHaveLength(0);
  });
});

describe('refusals', () => {
  it('refuses a file over the size limit while streaming, and stores nothing', async () => {
    await start({ max_upload_mb: 1 });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    // Random noise does not compress: this PNG is well over 1 MB.
    const noise = await sharp(randomBytes(800 * 700 * 3), { raw: { width: 800, height: 700, channels: 3 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(1.2 * MB);

    const res = await upload(admin, product.id, [{ filename: 'noise.png', data: noise, type: 'image/png' }]);
    expect(res.status).toBe(413);
    expect(res.body).toContain('Файл «noise.png» больше 1 МБ');
    expect(res.body).toContain('до 1 МБ каждый');
    expect(await rows()).toHaveLength(0);
    expect(storedFiles()).toEqual([]);
  });

  it('refuses what is not an image it accepts, naming the accepted formats', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    for (const file of [
      { filename: 'price.xlsx', data: randomBytes(5000) },
      {
        filename: 'logo.svg',
        data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
        type: 'image/svg+xml',
      },
      { filename: 'broken.jpg', data: (await jpeg(400, 300)).subarray(0, 300), type: 'image/jpeg' },
    ]) {
      const res = await upload(admin, product.id, [file]);
      expect(res.status, file.filename).toBe(415);
      expect(res.body).toContain(
        `Файл «${file.filename}» — не фото или его формат не подходит. Подходят JPEG, PNG, WebP, GIF, AVIF и TIFF.`,
      );
    }
    expect(await rows()).toHaveLength(0);
    expect(storedFiles()).toEqual([]);
  });

  it('accepts the other formats: PNG, WebP, GIF, AVIF, TIFF', async () => {
    await start({ max_per_product: 10 });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const base = () => sharp({ create: { width: 200, height: 150, channels: 3, background: '#5a5' } });
    const files = [
      { filename: 'a.png', data: await base().png().toBuffer() },
      { filename: 'a.webp', data: await base().webp().toBuffer() },
      { filename: 'a.gif', data: await base().gif().toBuffer() },
      { filename: 'a.avif', data: await base().avif().toBuffer() },
      { filename: 'a.tiff', data: await base().tiff().toBuffer() },
    ];
    for (const file of files) expect((await upload(admin, product.id, [file])).status, file.filename).not.toBe(415);
  });

  it('refuses a decompression bomb by its pixel count', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    // 8000 × 7000 = 56 MP of one colour: a small file that would decode to 168 MB.
    const bomb = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(MB);
    expect(8000 * 7000).toBeGreaterThan(MAX_INPUT_PIXELS);
    const res = await upload(admin, product.id, [{ filename: 'bomb.png', data: bomb }]);
    expect(res.status).toBe(413);
    expect(res.body).toContain('слишком много пикселей: 56 Мп при пределе 50 Мп');
    expect(await rows()).toHaveLength(0);
  });

  it('refuses photos beyond the per-product limit', async () => {
    await start({ max_per_product: 2 });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    expect((await upload(admin, product.id, [{ filename: '1.jpg', data: await jpeg(300, 200, '#111') }])).status).toBe(303);
    expect((await upload(admin, product.id, [{ filename: '2.jpg', data: await jpeg(300, 200, '#222') }])).status).toBe(303);
    const res = await upload(admin, product.id, [{ filename: '3.jpg', data: await jpeg(300, 200, '#333') }]);
    expect(res.status).toBe(422);
    expect(res.body).toContain('«3.jpg» не добавлено: у товара уже 2 фото, больше нельзя.');
    expect(await rows()).toHaveLength(2);
    expect(storedFiles()).toHaveLength(6);
    // Another product has its own allowance.
    const other = await makeProduct('Блюдце');
    expect((await upload(admin, other.id, [{ filename: '3.jpg', data: await jpeg(300, 200, '#333') }])).status).toBe(303);
  });

  it('stops at the limit when more files than that are sent at once', async () => {
    await start({ max_per_product: 2 });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const res = await upload(admin, product.id, [
      { filename: '1.jpg', data: await jpeg(300, 200, '#111') },
      { filename: '2.jpg', data: await jpeg(300, 200, '#222') },
      { filename: '3.jpg', data: await jpeg(300, 200, '#333') },
    ]);
    expect(res.status).toBe(413);
    expect(res.body).toContain('За один раз можно отправить не больше 2 файлов');
    expect(await rows()).toHaveLength(2);
  });

  it('refuses a photo that would take the total over the quota', async () => {
    await start({ quota_mb: 10 });
    const filler = await makeProduct('Занимает место');
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    await app()
      .ctx.db.insertInto('product_photos')
      .values({
        product_id: filler.id,
        file: 'f'.repeat(24),
        width: 1,
        height: 1,
        bytes: 10 * MB - 1000,
        created_at: app().clock.now(),
      })
      .execute();

    const res = await upload(admin, product.id, [{ filename: 'big.jpg', data: await jpeg(1600, 1200, '#abc') }]);
    expect(res.status).toBe(413);
    expect(res.body).toContain('«big.jpg» не добавлено: место для фото закончилось (занято 10 из 10 МБ)');
    expect(await rows()).toHaveLength(1);
    expect(storedFiles()).toEqual([]);
  });

  it('refuses the same photo twice on one product, but not on another', async () => {
    await start();
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    const data = await jpeg(800, 600);
    expect((await upload(admin, product.id, [{ filename: 'a.jpg', data }])).status).toBe(303);
    const res = await upload(admin, product.id, [{ filename: 'a-copy.jpg', data }]);
    expect(res.status).toBe(422);
    expect(res.body).toContain('Фото «a-copy.jpg» у этого товара уже есть.');
    expect(await rows()).toHaveLength(1);
    expect(storedFiles()).toHaveLength(3);

    const other = await makeProduct('Блюдце');
    expect((await upload(admin, other.id, [{ filename: 'a.jpg', data }])).status).toBe(303);
    const [first, second] = await rows();
    expect(first?.file).not.toBe(second?.file);
    expect(storedFiles()).toHaveLength(6);
  });
});

describe('deleting', () => {
  it('removes the row and the files', async () => {
    await start({ keep_originals: true });
    const product = await makeProduct();
    const admin = await loggedIn('admin');
    await upload(admin, product.id, [{ filename: 'a.jpg', data: await jpeg(800, 600, '#111') }]);
    await upload(admin, product.id, [{ filename: 'b.jpg', data: await jpeg(800, 600, '#222') }]);
    const [first, second] = await rows();
    if (!first || !second) throw new Error('two photos expected');
    expect(storedFiles()).toHaveLength(8);

    const url = `/admin/products/${product.id}/photos`;
    const res = await admin.post(`${url}/${first.id}/delete`, {}, { csrfFrom: url });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${url}?notice=photos.deleted`);
    expect((await rows()).map((r) => r.id)).toEqual([second.id]);
    expect(storedFiles().every((f) => f.startsWith(second.file))).toBe(true);
    expect(storedFiles()).toHaveLength(4);
    expect((await app().app.inject({ method: 'GET', url: photoUrls(first.file).full })).statusCode).toBe(404);
    expect((await admin.get(res.location ?? '')).body).toContain('Фото удалено.');

    // Another product's photo cannot be deleted through this product's URL.
    const other = await makeProduct('Блюдце');
    expect((await admin.post(`/admin/products/${other.id}/photos/${second.id}/delete`, {}, { csrfFrom: url })).status).toBe(404);
    expect(await rows()).toHaveLength(1);
  });
});

describe('the domain functions, as 1C import will use them', () => {
  it('stores with a source, lists in order and deletes', async () => {
    const { ctx } = await start();
    const product = await makeProduct();
    const a = await storePhoto(ctx, product.id, { filename: 'import_files/ab/1.jpg', data: await jpeg(500, 500, '#111') }, '1c');
    const b = await storePhoto(ctx, product.id, { filename: 'import_files/ab/2.jpg', data: await jpeg(500, 500, '#222') }, '1c');
    expect((await photosOf(ctx.db, product.id)).map((p) => [p.id, p.source])).toEqual([
      [a.id, '1c'],
      [b.id, '1c'],
    ]);
    await expect(
      storePhoto(ctx, product.id, { filename: 'x.jpg', data: Buffer.alloc(2 * MB), truncated: true }),
    ).rejects.toMatchObject({
      code: 'tooLarge',
      details: { maxMb: 10 },
    });
    await expect(storePhoto(ctx, product.id, { filename: 'x.bin', data: Buffer.from('nope') })).rejects.toBeInstanceOf(
      PhotoError,
    );
    expect(await deletePhoto(ctx, product.id, a.id)).toBe(true);
    expect(await deletePhoto(ctx, product.id, a.id)).toBe(false);
    expect((await photosOf(ctx.db, product.id)).map((p) => p.id)).toEqual([b.id]);
  });
});

describe('access', () => {
  it('lets only admins see and change photos', async () => {
    await start();
    const product = await makeProduct();
    const url = `/admin/products/${product.id}/photos`;
    const admin = await loggedIn('admin');
    await upload(admin, product.id, [{ filename: 'a.jpg', data: await jpeg(300, 200) }]);
    const [photo] = await rows();

    for (const role of ['manager', 'buyer'] as const) {
      const browser = await loggedIn(role);
      const page = await browser.get(url);
      expect(page.status, role).toBe(403);
      const post = await upload(browser, product.id, [{ filename: 'b.jpg', data: await jpeg(300, 200, '#000') }]);
      expect(post.status, role).toBe(403);
      const del = await browser.post(`${url}/${photo?.id}/delete`, {}, { csrfFrom: '/account' });
      expect(del.status, role).toBe(403);
    }
    expect(await rows()).toHaveLength(1);

    const anonymous = new Browser(app().app);
    expect((await anonymous.get(url)).status).toBe(302);
    // The photos themselves are public: no prices in them, and a proxy may cache them.
    expect((await anonymous.get(photoUrls(photo?.file ?? '').thumb)).status).toBe(200);
  });

  it('answers 404 for an unknown product', async () => {
    await start();
    const admin = await loggedIn('admin');
    expect((await admin.get('/admin/products/999/photos')).status).toBe(404);
    expect((await upload(admin, 999, [{ filename: 'a.jpg', data: await jpeg(300, 200) }])).status).toBe(404);
  });

  it('serves nothing but stored photo names from /photos/', async () => {
    const { dataDir } = await start();
    expect(existsSync(join(dataDir, 'optovik.sqlite'))).toBe(true);
    for (const url of [
      '/photos/..%2f..%2fconfig.yml',
      '/photos/..%2foptovik.sqlite',
      '/photos/%2e%2e%2foptovik.sqlite',
      '/photos/../optovik.sqlite',
      '/photos/0123456789abcdef01234567.png',
      '/photos/0123456789abcdef01234567.webp',
      '/photos/0123456789ABCDEF01234567.webp',
      '/photos/0123456789abcdef01234567-original.jpg',
      '/photos/',
    ]) {
      const res = await app().app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('SQLite');
    }
  });
});
