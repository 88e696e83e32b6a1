import { afterEach, describe, expect, it } from 'vitest';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

async function setUp(handEdits?: 'auto' | 'always' | 'never') {
  t = await startTestApp(handEdits ? { catalog: { hand_edits: handEdits } } : {});
  const catalog = await buildCatalog(t.ctx);
  const admin = new Browser(t.app);
  await admin.login((await makeUser(t.ctx, 'admin')).email);
  const company = await makeCompany(t.ctx, { name: 'Ромашка' });
  await t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: catalog.priceTypes.wholesale })
    .where('id', '=', company.id)
    .execute();
  const buyer = new Browser(t.app);
  await buyer.login((await makeUser(t.ctx, 'buyer', { companyId: company.id })).email);
  return { catalog, admin, buyer };
}

const id = async (table: 'categories' | 'price_types' | 'warehouses', name: string) =>
  (await t.ctx.db.selectFrom(table).select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

describe('the catalog by hand', () => {
  it('an admin makes a category, a product with pack, minimum, price and stock; the buyer sees it and orders by its rules; it stays the portal’s own', async () => {
    const { admin, buyer, catalog } = await setUp();
    const lists = await admin.get('/admin/catalog/lists');
    expect(lists.status).toBe(200);
    const fasteners = await id('categories', 'Крепёж');
    const made = await admin.post(
      '/admin/catalog/categories',
      { name: 'Анкеры', parent: String(fasteners) },
      { csrfFrom: '/admin/catalog/lists' },
    );
    expect(made.status).toBe(303);
    const anchors = await t.ctx.db.selectFrom('categories').selectAll().where('name', '=', 'Анкеры').executeTakeFirstOrThrow();
    expect(anchors).toMatchObject({ parent_id: fasteners, hidden: 0, external_1c_id: null, external_ms_id: null });

    const form = await admin.get('/admin/catalog/products/new');
    expect(form.status).toBe(200);
    const saved = await admin.post(
      '/admin/catalog/products/new',
      {
        sku: 'ANK-10',
        name: 'Анкер клиновой 10×100',
        category: String(anchors.id),
        unit: String((await t.ctx.db.selectFrom('units').select('id').where('code', '=', '796').executeTakeFirstOrThrow()).id),
        multiple: '10',
        min_qty: '20',
        visible: '1',
        country: 'Германия',
        weight: '0,25',
        is_new: '1',
        [`price_${catalog.priceTypes.wholesale}`]: '1 250,50',
        [`stock_${await id('warehouses', 'Основной склад')}`]: '300',
      },
      { csrfFrom: '/admin/catalog/products/new' },
    );
    expect(saved.status, saved.body).toBe(303);
    const productId = Number(/\/admin\/catalog\/products\/(\d+)/.exec(saved.location ?? '')?.[1]);
    const product = await t.ctx.db.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirstOrThrow();
    expect(product).toMatchObject({
      sku: 'ANK-10',
      category_id: anchors.id,
      multiple: 10,
      min_qty: 20,
      hidden: 0,
      stock_total: 300,
      country: 'Германия',
      weight: 0.25,
      volume: null,
      is_new: 1,
      is_sale: 0,
      external_1c_id: null,
      external_ms_id: null,
    });
    const page = plain((await admin.get(saved.location ?? '')).body);
    expect(page).toContain('Сохранено.');
    expect(page).toContain('создан на портале или загружен таблицей');

    // The buyer finds it at the wholesale price and is held to its pack and minimum.
    const found = plain((await buyer.get('/catalog?q=анкер')).body);
    expect(found).toContain('Анкер клиновой 10×100');
    expect(found).toContain('1 250,50');
    expect(found).toContain('<span class="badge mark-new">Новинка</span>');
    const add = await buyer.post('/cart/add', { next: '/catalog', [`qty[${productId}]`]: '15' }, { csrfFrom: '/catalog' });
    expect(add.status).toBe(422);
    expect(plain(add.body)).toContain('Минимум для заказа — 20 шт. Можно заказать 20.');
    const packs = await buyer.post('/cart/add', { next: '/catalog', [`qty[${productId}]`]: '25' }, { csrfFrom: '/catalog' });
    expect(plain(packs.body)).toMatch(/упаковками по 10/);

    // Hidden by hand: gone for the buyer; the same save again changes nothing.
    const edit = {
      sku: 'ANK-10',
      name: 'Анкер клиновой 10×100',
      category: String(anchors.id),
      unit: String(product.unit_id),
      multiple: '10',
      min_qty: '20',
      [`price_${catalog.priceTypes.wholesale}`]: '1300',
    };
    expect(
      (await admin.post(`/admin/catalog/products/${productId}`, edit, { csrfFrom: `/admin/catalog/products/${productId}` }))
        .status,
    ).toBe(303);
    expect(plain((await buyer.get('/catalog?q=анкер')).body)).not.toContain('Анкер клиновой 10×100');
    const hidden = await t.ctx.db
      .selectFrom('products')
      .select(['hidden', 'updated_at'])
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(hidden.hidden).toBe(1);
    // Fields left empty on the form are emptied: the weight is no longer known, the mark is off.
    expect(
      await t.ctx.db
        .selectFrom('products')
        .select(['weight', 'is_new', 'country'])
        .where('id', '=', productId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ weight: null, is_new: 0, country: '' });
    const price = await t.ctx.db
      .selectFrom('prices')
      .select('price')
      .where('product_id', '=', productId)
      .where('price_type_id', '=', catalog.priceTypes.wholesale)
      .executeTakeFirstOrThrow();
    expect(price.price).toBe(130_000);
    t.clock.advance(60_000);
    await admin.post(`/admin/catalog/products/${productId}`, edit, { csrfFrom: `/admin/catalog/products/${productId}` });
    const again = await t.ctx.db
      .selectFrom('products')
      .select('updated_at')
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(again.updated_at).toBe(hidden.updated_at);
    // An admin still finds the hidden product.
    expect(plain((await admin.get('/admin/catalog?q=ANK-10')).body)).toContain('скрыт');
  });

  it('price types and warehouses: made and renamed by hand; one that 1C sends keeps its name', async () => {
    const { admin } = await setUp();
    const csrfFrom = '/admin/catalog/lists';
    expect((await admin.post('/admin/catalog/price-types', { name: 'VIP', currency: 'usd' }, { csrfFrom })).status).toBe(303);
    const vip = await t.ctx.db.selectFrom('price_types').selectAll().where('name', '=', 'VIP').executeTakeFirstOrThrow();
    expect(vip).toMatchObject({ currency: 'USD', is_default: 0, external_1c_id: null });
    expect((await admin.post(`/admin/catalog/price-types/${vip.id}`, { name: 'VIP-клиенты' }, { csrfFrom })).status).toBe(303);
    expect(
      (await t.ctx.db.selectFrom('price_types').select('name').where('id', '=', vip.id).executeTakeFirstOrThrow()).name,
    ).toBe('VIP-клиенты');
    expect((await admin.post('/admin/catalog/warehouses', { name: 'Склад Казань' }, { csrfFrom })).status).toBe(303);
    expect(await id('warehouses', 'Склад Казань')).toBeGreaterThan(0);
    // The fixture's warehouses carry 1C's ids: 1C names them.
    const main = await id('warehouses', 'Основной склад');
    const refused = await admin.post(`/admin/catalog/warehouses/${main}`, { name: 'Главный' }, { csrfFrom });
    expect(refused.status).toBe(422);
    expect(plain(refused.body)).toContain('Не сохранено: Это приходит из 1C');
    expect(await id('warehouses', 'Основной склад')).toBe(main);
  });

  it('says what is wrong, with the field, and saves nothing', async () => {
    const { admin, catalog } = await setUp();
    const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
    const before = await t.ctx.db
      .selectFrom('products')
      .selectAll()
      .where('id', '=', bolt?.id ?? 0)
      .executeTakeFirstOrThrow();
    const url = `/admin/catalog/products/${bolt?.id}`;
    const bad = await admin.post(
      url,
      { sku: 'BLT-101', name: 'Болт', [`price_${catalog.priceTypes.wholesale}`]: '12,5.0', multiple: '0', min_qty: '0' },
      { csrfFrom: url },
    );
    expect(bad.status).toBe(422);
    expect(plain(bad.body)).toContain('Цена — сумма от 0, не больше двух знаков после запятой');
    expect(bad.body).toContain('value="12,5.0"');
    const taken = await admin.post(
      url,
      { sku: 'BLT-102', name: 'Болт', multiple: '0', min_qty: '0', visible: '1' },
      { csrfFrom: url },
    );
    expect(taken.status).toBe(422);
    expect(plain(taken.body)).toMatch(/Этот артикул уже у другого товара/);
    const after = await t.ctx.db
      .selectFrom('products')
      .selectAll()
      .where('id', '=', bolt?.id ?? 0)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);

    const fasteners = await id('categories', 'Крепёж');
    const bolts = await id('categories', 'Болты');
    const cycle = await admin.post(
      `/admin/catalog/categories/${fasteners}`,
      { name: 'Крепёж', parent: String(bolts), visible: '1' },
      { csrfFrom: '/admin/catalog/lists' },
    );
    expect(cycle.status).toBe(422);
    expect(plain(cycle.body)).toContain('Категорию нельзя поместить в неё саму или в её подкатегорию');
    const twin = await admin.post(
      '/admin/catalog/price-types',
      { name: 'оптовая', currency: 'RUB' },
      { csrfFrom: '/admin/catalog/lists' },
    );
    expect(twin.status).toBe(422);
    expect(plain(twin.body)).toContain('«оптовая» уже есть');
  });

  it('leaves what 1C sends to 1C: the page says so and refuses the edit; with hand_edits: always it is saved and keeps its 1C key', async () => {
    const { admin, catalog } = await setUp();
    const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
    await t.ctx.db
      .updateTable('products')
      .set({ external_1c_id: 'b6c9e7a2-1c00-4f00-9000-000000000101' })
      .where('id', '=', bolt?.id ?? 0)
      .execute();
    const url = `/admin/catalog/products/${bolt?.id}`;
    const page = plain((await admin.get(url)).body);
    expect(page).toContain('Этот товар приходит из 1С: менять его нужно там.');
    expect(page).toMatch(/<fieldset disabled>/);
    const refused = await admin.post(
      url,
      { sku: 'BLT-101', name: 'Переименован', multiple: '0', min_qty: '0', visible: '1' },
      { csrfFrom: url },
    );
    expect(refused.status).toBe(422);
    expect(plain(refused.body)).toContain('Это приходит из 1C: меняйте там');
    expect(
      (
        await t.ctx.db
          .selectFrom('products')
          .select('name')
          .where('id', '=', bolt?.id ?? 0)
          .executeTakeFirstOrThrow()
      ).name,
    ).not.toBe('Переименован');
    await t.close();

    const again = await setUp('always');
    const bolt2 = again.catalog.products.find((p) => p.sku === 'BLT-101');
    await t.ctx.db
      .updateTable('products')
      .set({ external_1c_id: 'b6c9e7a2-1c00-4f00-9000-000000000101' })
      .where('id', '=', bolt2?.id ?? 0)
      .execute();
    const url2 = `/admin/catalog/products/${bolt2?.id}`;
    expect(plain((await again.admin.get(url2)).body)).toContain('следующий обмен может перезаписать правку');
    const ok = await again.admin.post(
      url2,
      { sku: 'BLT-101', name: 'Переименован', multiple: '0', min_qty: '0', visible: '1' },
      { csrfFrom: url2 },
    );
    expect(ok.status).toBe(303);
    const row = await t.ctx.db
      .selectFrom('products')
      .select(['name', 'external_1c_id'])
      .where('id', '=', bolt2?.id ?? 0)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ name: 'Переименован', external_1c_id: 'b6c9e7a2-1c00-4f00-9000-000000000101' });
  });

  it('with hand_edits: never the pages only show; while an import runs an edit waits its turn, saving nothing', async () => {
    const never = await setUp('never');
    const bolt = never.catalog.products.find((p) => p.sku === 'BLT-101');
    const url = `/admin/catalog/products/${bolt?.id}`;
    expect(plain((await never.admin.get(url)).body)).toContain('Каталог здесь только показывается');
    expect(plain((await never.admin.get('/admin/catalog')).body)).not.toContain('Новый товар');
    const refused = await never.admin.post(
      url,
      { sku: 'BLT-101', name: 'Другое', multiple: '0', min_qty: '0', visible: '1' },
      { csrfFrom: url },
    );
    expect(refused.status).toBe(422);
    await t.close();

    const { admin, catalog } = await setUp();
    const release = t.ctx.importGate.acquire('spreadsheet');
    const product = catalog.products.find((p) => p.sku === 'BLT-101');
    const busyUrl = `/admin/catalog/products/${product?.id}`;
    const busy = await admin.post(
      busyUrl,
      { sku: 'BLT-101', name: 'Другое', multiple: '0', min_qty: '0', visible: '1' },
      { csrfFrom: busyUrl },
    );
    expect(busy.status).toBe(409);
    expect(plain(busy.body)).toContain('Сейчас идёт загрузка каталога');
    release();
    expect(
      (
        await t.ctx.db
          .selectFrom('products')
          .select('name')
          .where('id', '=', product?.id ?? 0)
          .executeTakeFirstOrThrow()
      ).name,
    ).not.toBe('Другое');
  });
});
