import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { photosDir, storePhoto } from '../src/catalog/photos.js';
import { startTestApp, type TestApp } from './helpers.js';
import { type Entity, FakeMoySklad, TOKEN } from './moysklad-fake.js';

let t: TestApp;
let fake: FakeMoySklad;
let bolt: Entity;
let nut: Entity;
let teeL: Entity;

const picture = (colour: string, width = 64) =>
  sharp({ create: { width, height: 48, channels: 3, background: colour } })
    .png()
    .toBuffer();

async function start(moysklad: Record<string, unknown> = {}) {
  t = await startTestApp({
    integrations: { moysklad: { token: TOKEN, base_url: fake.url, timeout_seconds: 5, request_budget: 40, ...moysklad } },
  });
}

beforeEach(async () => {
  fake = new FakeMoySklad();
  await fake.start();
  fake.put('organization', { name: 'ООО «Оптовик-Юг»', inn: '6164000000' });
  fake.put('store', { name: 'Основной склад' });
  fake.addState('Новый');
  fake.addPriceType('Оптовая');
  bolt = fake.put('product', { name: 'Болт М8×30', article: 'BLT-101', salePrices: [] });
  nut = fake.put('product', { name: 'Гайка М8', article: 'NUT-8', salePrices: [] });
  const tee = fake.put('product', { name: 'Футболка', article: 'TEE', salePrices: [] });
  teeL = fake.put('variant', {
    name: 'Футболка (L)',
    article: 'TEE-L',
    product: fake.ref('product', tee.id),
    characteristics: [{ name: 'Размер', value: 'L' }],
    salePrices: [],
  });
  fake.addImage('product', bolt.id, 'bolt-front.png', await picture('#c33'));
  fake.addImage('product', bolt.id, 'bolt-side.png', await picture('#3c3'));
  fake.addImage('variant', teeL.id, 'tee-l.png', await picture('#33c'));
});

afterEach(async () => {
  await t?.close();
  await fake?.stop();
});

async function sync(full = false) {
  const result = await t.ctx.moysklad?.sync({ full });
  if (!result) throw new Error('MoySklad is off');
  return result;
}

const productOf = (msId: string) =>
  t.ctx.db.selectFrom('products').select('id').where('external_ms_id', '=', msId).executeTakeFirstOrThrow();
const photosOf = async (msId: string) =>
  t.ctx.db
    .selectFrom('product_photos')
    .select(['file', 'source', 'width'])
    .where('product_id', '=', (await productOf(msId)).id)
    .orderBy('sort')
    .execute();
const downloads = () => fake.log.filter((r) => r.path.startsWith('/download/'));

describe('MoySklad pictures', () => {
  it('are copied to the portal after a sync, a few goods to a request, and served from the portal', async () => {
    await start();
    const result = await sync(true);
    expect(result.ok, result.message).toBe(true);
    expect(result.counts).toMatchObject({ images_added: 3, image_problems: 0, images_waiting: 0 });

    const boltPhotos = await photosOf(bolt.id);
    const msImages = fake.images.get(bolt.id) ?? [];
    expect(boltPhotos.map((p) => p.source)).toEqual(msImages.map((i) => `moysklad:${i.id}`));
    expect(await photosOf(teeL.id)).toHaveLength(1);
    expect(await photosOf(nut.id)).toHaveLength(0);
    for (const p of boltPhotos) expect(existsSync(join(photosDir(t.ctx.config), `${p.file}.webp`))).toBe(true);

    // One list request per kind of good with pictures, never a request per product.
    const lists = fake.log.filter((r) => /^\/entity\/(product|variant)$/.test(r.path) && r.query.get('expand') === 'images');
    expect(lists).toHaveLength(2);
    expect(lists[0]?.query.get('filter')).toBe(`id=${bolt.id}`);
    expect(fake.log.filter((r) => r.path.endsWith('/images'))).toHaveLength(0);
    expect(downloads()).toHaveLength(3);

    // The buyer's page shows the portal's copy; MoySklad's links never reach the page.
    const served = await t.app.inject({ method: 'GET', url: `/photos/${boltPhotos[0]?.file}.webp` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toContain('image/webp');

    // Nothing changed: nothing is asked for again.
    const before = fake.log.length;
    const again = await sync(false);
    expect(again.counts).toMatchObject({ images_added: 0, images_removed: 0 });
    expect(
      fake.log.slice(before).filter((r) => r.query.get('expand') === 'images' || r.path.startsWith('/download/')),
    ).toHaveLength(0);
  });

  it('follow MoySklad: a removed picture goes, a new one comes, and a photo uploaded on the portal stays', async () => {
    await start();
    await sync(true);
    const product = await productOf(bolt.id);
    await storePhoto(t.ctx, product.id, { filename: 'own.png', data: await picture('#999', 80) });
    const [front] = fake.images.get(bolt.id) ?? [];
    fake.removeImage('product', bolt.id, front?.id ?? '');
    const added = fake.addImage('product', bolt.id, 'bolt-box.png', await picture('#cc3'));

    const result = await sync(false);
    expect(result.counts).toMatchObject({ images_added: 1, images_removed: 1 });
    const sources = (await photosOf(bolt.id)).map((p) => p.source);
    expect(sources).toContain('upload');
    expect(sources).toContain(`moysklad:${added.id}`);
    expect(sources).not.toContain(`moysklad:${front?.id}`);
    expect(sources).toHaveLength(3);
  });

  it('stop at images_per_sync; the rest follow with the next syncs', async () => {
    await start({ images_per_sync: 2 });
    const first = await sync(true);
    expect(first.counts).toMatchObject({ images_added: 2, images_waiting: 1 });
    const second = await sync(false);
    expect(second.counts).toMatchObject({ images_added: 1, images_waiting: 0 });
    expect(await photosOf(bolt.id)).toHaveLength(2);
    expect(await photosOf(teeL.id)).toHaveLength(1);
  });

  it('a file that is not a picture is reported and not fetched again; the sync itself succeeds', async () => {
    fake.addImage('product', nut.id, 'nut.png', Buffer.from('<?php system($_GET["c"]); ?>'));
    await start();
    const result = await sync(true);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({ images_added: 3, image_problems: 1, images_waiting: 0 });
    expect(result.message).toMatch(/pictures not copied: picture nut\.png: not a picture the portal accepts/);
    expect(await photosOf(nut.id)).toHaveLength(0);
    const fetched = downloads().length;
    await sync(false);
    expect(downloads()).toHaveLength(fetched);
  });

  it('a redirect to a host outside image_hosts is not followed', async () => {
    fake.downloadLocation = (id) => `https://images.evil.example/${id}`;
    await start();
    const result = await sync(true);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({ images_added: 0, image_problems: 3 });
    expect(result.message).toMatch(
      /sent the picture to https:\/\/images\.evil\.example, which integrations\.moysklad\.image_hosts does not allow/,
    );
    expect(fake.log.filter((r) => r.path.startsWith('/__files/'))).toHaveLength(0);
  });

  it('a download MoySklad fails is tried again with the next sync', async () => {
    await start({ images_per_sync: 100 });
    // More 500s than the client tries for the first picture.
    fake.fail(5, 500, { path: '/download/' });
    const first = await sync(true);
    expect(first.ok).toBe(true);
    expect(first.counts).toMatchObject({ images_added: 2, image_problems: 1, images_waiting: 1 });
    const second = await sync(false);
    expect(second.counts).toMatchObject({ images_added: 1, images_waiting: 0 });
    expect(await photosOf(bolt.id)).toHaveLength(2);
  });

  it('are left alone with images: false', async () => {
    await start({ images: false });
    const result = await sync(true);
    expect(result.ok).toBe(true);
    expect(result.counts.images_added).toBeUndefined();
    expect(downloads()).toHaveLength(0);
    expect(await photosOf(bolt.id)).toHaveLength(0);
  });
});
