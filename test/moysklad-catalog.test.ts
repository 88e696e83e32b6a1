import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buyerAt, makeCompany, startTestApp, type TestApp } from './helpers.js';
import { type Entity, FakeMoySklad, TOKEN } from './moysklad-fake.js';

let t: TestApp;
let fake: FakeMoySklad;
let ids: {
  retail: string;
  wholesale: string;
  main: Entity;
  far: Entity;
  bolts: Entity;
  bolt: Entity;
  tee: Entity;
  old: Entity;
  teeL: Entity;
  teeM: Entity;
};

const PIECE = '19f1edc0-fc42-4001-94cb-c9ec9c62ec10';

function prices(retail: number, wholesale: number) {
  return [
    { value: retail, priceType: { id: ids.retail, name: 'Розничная' } },
    { value: wholesale, priceType: { id: ids.wholesale, name: 'Оптовая' } },
  ];
}

beforeEach(async () => {
  fake = new FakeMoySklad();
  await fake.start();
  fake.put('organization', { name: 'ООО «Оптовик-Юг»', inn: '6164000000' });
  const main = fake.put('store', { name: 'Основной склад' });
  const far = fake.put('store', { name: 'Склад Подольск' });
  fake.addState('Новый');
  const retail = String(fake.addPriceType('Розничная').id);
  const wholesale = String(fake.addPriceType('Оптовая').id);
  fake.put('uom', { id: PIECE, name: 'шт', code: '796', description: 'Штука' });
  ids = { retail, wholesale, main, far } as typeof ids;
  const fasteners = fake.put('productfolder', { name: 'Крепёж' });
  const bolts = fake.put('productfolder', { name: 'Болты', productFolder: fake.ref('productfolder', fasteners.id) });
  const bolt = fake.put('product', {
    name: 'Болт М8×30',
    article: 'BLT-101',
    productFolder: fake.ref('productfolder', bolts.id),
    uom: fake.ref('uom', PIECE),
    vat: 20,
    vatEnabled: true,
    barcodes: [{ ean13: '4601234567893' }],
    attributes: [
      { name: 'Бренд', type: 'string', value: 'KRAFT' },
      { name: 'Покрытие', type: 'string', value: 'цинк' },
    ],
    salePrices: [],
  });
  const tee = fake.put('product', { name: 'Футболка базовая', article: 'TEE', uom: fake.ref('uom', PIECE), salePrices: [] });
  const old = fake.put('product', { name: 'Снятый товар', article: 'OLD-1', archived: true, salePrices: [] });
  Object.assign(ids, { bolts, bolt, tee, old });
  fake.change('product', bolt.id, { salePrices: prices(1511, 1222) });
  fake.change('product', tee.id, { salePrices: prices(59000, 49000) });
  fake.change('product', old.id, { salePrices: prices(100, 100) });
  const variant = (size: string) =>
    fake.put('variant', {
      name: `Футболка базовая (${size})`,
      article: `TEE-${size}`,
      product: fake.ref('product', tee.id),
      characteristics: [{ name: 'Размер', value: size }],
      salePrices: prices(59000, size === 'L' ? 49500 : 49000),
    });
  ids.teeL = variant('L');
  ids.teeM = variant('M');
  fake.setStock(bolt.id, main.id, 120);
  fake.setStock(bolt.id, far.id, 7);
  fake.setStock(ids.teeL.id, main.id, 5);
  t = await startPortal();
});

/** The portal connected to the fake, with this distributor's MoySklad settings (and `more` of them). */
function startPortal(more: Record<string, unknown> = {}): Promise<TestApp> {
  return startTestApp({
    integrations: {
      moysklad: {
        token: TOKEN,
        base_url: fake.url,
        timeout_seconds: 5,
        stores: ['Основной склад'],
        price_types: ['Розничная = Розница', 'Оптовая = Опт'],
        default_price_type: 'Оптовая',
        ...more,
      },
    },
  } as never);
}

afterEach(async () => {
  await t?.close();
  await fake?.stop();
});

const product = (msId: string) =>
  t.ctx.db.selectFrom('products').selectAll().where('external_ms_id', '=', msId).executeTakeFirstOrThrow();
const priceOf = async (msId: string, type: string) =>
  (
    await t.ctx.db
      .selectFrom('prices')
      .innerJoin('products', 'products.id', 'prices.product_id')
      .innerJoin('price_types', 'price_types.id', 'prices.price_type_id')
      .select('prices.price')
      .where('products.external_ms_id', '=', msId)
      .where('price_types.name', '=', type)
      .executeTakeFirst()
  )?.price;

async function sync(full: boolean) {
  const result = await t.ctx.moysklad?.sync({ full });
  if (!result) throw new Error('MoySklad is off');
  return result;
}

describe('the MoySklad catalog', () => {
  it('comes in whole with a full sync: folders, products, variants, units, barcodes, brand, prices per mapped type, stock of the counted store', async () => {
    const result = await sync(true);
    expect(result.message).toBe('full sync');
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({
      categories_created: 2,
      products_created: 5,
      price_types_created: 2,
      folders_read: 2,
      products_read: 3,
      variants_read: 2,
    });

    const bolt = await product(ids.bolt.id);
    expect(bolt).toMatchObject({ name: 'Болт М8×30', sku: 'BLT-101', brand: 'KRAFT', vat_bp: 2000, hidden: 0, stock_total: 120 });
    const category = await t.ctx.db
      .selectFrom('categories')
      .select(['name', 'parent_id'])
      .where('id', '=', bolt.category_id ?? 0)
      .executeTakeFirstOrThrow();
    expect(category.name).toBe('Болты');
    const parent = await t.ctx.db
      .selectFrom('categories')
      .select('name')
      .where('id', '=', category.parent_id ?? 0)
      .executeTakeFirstOrThrow();
    expect(parent.name).toBe('Крепёж');
    const unit = await t.ctx.db
      .selectFrom('units')
      .select(['code', 'name'])
      .where('id', '=', bolt.unit_id ?? 0)
      .executeTakeFirstOrThrow();
    expect(unit).toEqual({ code: '796', name: 'шт' });
    const barcodes = await t.ctx.db.selectFrom('product_barcodes').select('barcode').where('product_id', '=', bolt.id).execute();
    expect(barcodes.map((b) => b.barcode)).toEqual(['4601234567893']);
    const props = await t.ctx.db
      .selectFrom('product_properties')
      .select(['name', 'value'])
      .where('product_id', '=', bolt.id)
      .execute();
    expect(props).toEqual([{ name: 'Покрытие', value: 'цинк' }]);
    expect(await priceOf(ids.bolt.id, 'Опт')).toBe(1222);
    expect(await priceOf(ids.bolt.id, 'Розница')).toBe(1511);
    const types = await t.ctx.db.selectFrom('price_types').select(['name', 'is_default']).orderBy('name').execute();
    expect(types).toEqual([
      { name: 'Опт', is_default: 1 },
      { name: 'Розница', is_default: 0 },
    ]);

    const tee = await product(ids.tee.id);
    expect(tee.has_variants).toBe(1);
    const teeL = await product(ids.teeL.id);
    expect(teeL).toMatchObject({ parent_id: tee.id, variant_name: 'L', hidden: 0, stock_total: 5 });
    expect(await priceOf(ids.teeL.id, 'Опт')).toBe(49500);
    expect((await product(ids.old.id)).hidden).toBe(1);

    // The buyer at the wholesale price sees it.
    const optId = (await t.ctx.db.selectFrom('price_types').select('id').where('name', '=', 'Опт').executeTakeFirstOrThrow()).id;
    const buyer = await buyerAt(t, optId);
    const page = await buyer.browser.get('/catalog?q=болт');
    expect(page.body).toContain('Болт М8×30');
    expect(page.body).toMatch(/12,22/);

    // The same again changes nothing.
    const again = await sync(true);
    expect(again.counts).toMatchObject({
      products_created: 0,
      products_updated: 0,
      prices_changed: 0,
      stock_changed: 0,
      categories_updated: 0,
    });
  });

  it('fills mapped fields from custom attributes and pack quantities, weight and volume from its own fields', async () => {
    const PACK = '5a0d2c11-77aa-4b1e-9c3e-0c9d6e7f8a10';
    fake.put('uom', { id: PACK, name: 'упак', code: '778', description: 'Упаковка' });
    fake.change('product', ids.bolt.id, {
      weight: 0.05,
      volume: 0.00002,
      packs: [{ uom: fake.ref('uom', PACK), quantity: 12 }],
      attributes: [
        { name: 'Бренд', type: 'string', value: 'KRAFT' },
        { name: 'Покрытие', type: 'string', value: 'цинк' },
        { name: 'Кратность', type: 'double', value: 6 },
        { name: 'Новинка', type: 'boolean', value: true },
        { name: 'Страна', type: 'string', value: 'Китай' },
      ],
    });
    fake.change('product', ids.tee.id, { attributes: [{ name: 'Распродажа', type: 'string', value: 'может быть' }] });
    // This distributor's map: the minimum is a pack of «упак».
    await t.close();
    t = await startPortal({ fields: { min_qty: { unit: ['упак'] } } });
    const result = await sync(true);
    expect(result.ok).toBe(true);
    expect(result.message).toContain(
      'product Футболка базовая: attribute «Распродажа» is "может быть", not yes or no: left as it was',
    );
    const bolt = await product(ids.bolt.id);
    expect(bolt).toMatchObject({
      multiple: 6,
      min_qty: 12,
      weight: 0.05,
      volume: 0.00002,
      country: 'Китай',
      is_new: 1,
      is_sale: 0,
    });
    // Country and the marks are shown as themselves, not again among the properties (the pack size is, as with 1C).
    const props = await t.ctx.db
      .selectFrom('product_properties')
      .select(['name', 'value'])
      .where('product_id', '=', bolt.id)
      .execute();
    expect(props).toEqual([
      { name: 'Покрытие', value: 'цинк' },
      { name: 'Кратность', value: '6' },
    ]);
    expect(await product(ids.tee.id)).toMatchObject({ is_sale: 0, weight: null });
    expect(await product(ids.teeL.id)).toMatchObject({ is_new: 0, country: '' });
  });

  it('an incremental sync reads only what changed, in a handful of requests', async () => {
    await sync(true);
    fake.change('product', ids.bolt.id, { salePrices: prices(1511, 1300) });
    fake.setStock(ids.bolt.id, ids.main.id, 80);
    fake.change('variant', ids.teeM.id, { salePrices: prices(59000, 47000) });
    const before = fake.log.length;

    const result = await sync(false);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({ products_created: 0, products_updated: 0, prices_changed: 2, stock_changed: 1 });
    // What changed, and at most the last row of the previous look (each look starts a minute early).
    expect(result.counts.products_read).toBeLessThanOrEqual(2);
    expect(result.counts.variants_read).toBeLessThanOrEqual(2);
    expect(result.counts.requests).toBeLessThanOrEqual(10);
    const lists = fake.log.slice(before).filter((r) => r.path === '/entity/product' || r.path === '/entity/variant');
    expect(lists.every((r) => /^updated>=/.test(r.query.get('filter') ?? ''))).toBe(true);
    expect(await priceOf(ids.bolt.id, 'Опт')).toBe(1300);
    expect((await product(ids.bolt.id)).stock_total).toBe(80);
    // The parent of the changed variant keeps its name (the variant only names it).
    expect((await product(ids.tee.id)).name).toBe('Футболка базовая');
  });

  it('hides what MoySklad archived (incremental) and what it no longer has (full)', async () => {
    await sync(true);
    fake.change('product', ids.bolt.id, { archived: true });
    await sync(false);
    expect((await product(ids.bolt.id)).hidden).toBe(1);
    fake.entities.get('variant')?.delete(ids.teeM.id);
    await sync(false);
    expect((await product(ids.teeM.id)).hidden).toBe(0);
    const full = await sync(true);
    expect(full.counts.products_hidden).toBe(1);
    expect((await product(ids.teeM.id)).hidden).toBe(1);
  });

  it('a sync failing midway (500 on a later page) changes nothing and says why', async () => {
    await sync(true);
    for (let i = 0; i < 1500; i++) fake.put('product', { name: `Новый товар ${i}`, salePrices: prices(100, 100) });
    fake.change('product', ids.bolt.id, { salePrices: prices(1511, 999) });
    const productsBefore = await t.ctx.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // More 500s than the client tries (5): the page never comes.
    fake.fail(5, 500, { path: '/entity/product', offset: 1000 });

    const result = await sync(true);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/MoySklad failed on its side \(GET \/entity\/product, 500/);
    const productsAfter = await t.ctx.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(productsAfter.n).toBe(productsBefore.n);
    expect(await priceOf(ids.bolt.id, 'Опт')).toBe(1222);
    const run = await t.ctx.db.selectFrom('exchange_runs').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ source: 'moysklad', status: 'failed' });

    // Once MoySklad is well again, the next sync brings it all.
    const next = await sync(true);
    expect(next.ok).toBe(true);
    expect(next.counts.products_created).toBe(1500);
    expect(await priceOf(ids.bolt.id, 'Опт')).toBe(999);
  });

  it('brings counterparties in as companies with their requisites, price type and discount; a known INN is linked, not doubled', async () => {
    const known = await makeCompany(t.ctx, { name: 'Ромашка' }); // INN 7701234567
    fake.put('counterparty', {
      name: 'ООО «Василёк»',
      legalTitle: 'Общество с ограниченной ответственностью «Василёк»',
      companyType: 'legal',
      inn: '6161012345',
      kpp: '616101001',
      legalAddress: '344000, Ростов-на-Дону, пр. Буденновский, 10',
      actualAddress: '344000, Ростов-на-Дону, ул. Станиславского, 5',
      priceType: { id: ids.wholesale, name: 'Оптовая' },
      discounts: [{ discount: fake.ref('personaldiscount', 'd1'), personalDiscount: 5 }],
    });
    const romashka = fake.put('counterparty', { name: 'ООО «Ромашка»', inn: '7701234567' });
    fake.put('counterparty', { name: 'Без ИНН' });
    const result = await sync(true);
    expect(result.counts).toMatchObject({ counterparties_read: 3, companies_created: 1, companies_linked: 1 });
    const vasilek = await t.ctx.db
      .selectFrom('companies')
      .innerJoin('legal_entities', 'legal_entities.company_id', 'companies.id')
      .innerJoin('price_types', 'price_types.id', 'companies.price_type_id')
      .select([
        'companies.name',
        'companies.discount_bp',
        'price_types.name as price_type',
        'legal_entities.name as legal_name',
        'legal_entities.kpp',
      ])
      .where('legal_entities.inn', '=', '6161012345')
      .executeTakeFirstOrThrow();
    expect(vasilek).toEqual({
      name: 'ООО «Василёк»',
      discount_bp: 500,
      price_type: 'Опт',
      legal_name: 'Общество с ограниченной ответственностью «Василёк»',
      kpp: '616101001',
    });
    const linked = await t.ctx.db
      .selectFrom('companies')
      .select('external_ms_id')
      .where('id', '=', known.id)
      .executeTakeFirstOrThrow();
    expect(linked.external_ms_id).toBe(romashka.id);
    expect(await t.ctx.db.selectFrom('users').select('id').execute()).toHaveLength(0);
  });

  it("brings each buyer's balance and documents, and keeps dollar prices out of roubles", async () => {
    const romashka = fake.put('counterparty', { name: 'ООО «Ромашка»', inn: '7701234567' });
    const stranger = fake.put('counterparty', { name: 'Не покупатель' });
    fake.balances.set(romashka.id, -1_250_050); // owes 12 500,50 ₽
    fake.balances.set(stranger.id, -999);
    const agent = fake.ref('counterparty', romashka.id);
    fake.put('invoiceout', {
      name: '00012',
      moment: '2026-11-28 10:00:00.000',
      sum: 1_200_000,
      agent,
      applicable: true,
      paymentPlannedMoment: '2026-12-05 00:00:00.000',
    });
    fake.put('demand', { name: '00031', moment: '2026-11-30 15:20:00.000', sum: 1_200_000, agent, applicable: true });
    fake.put('paymentin', { name: '7', moment: '2026-12-01 09:00:00.000', sum: 700_000, agent, applicable: true });
    fake.put('salesreturn', { name: '2', moment: '2026-12-01 12:00:00.000', sum: 50_000, agent, applicable: false });
    fake.put('demand', {
      name: '99',
      moment: '2026-12-01 12:00:00.000',
      sum: 1,
      agent: fake.ref('counterparty', stranger.id),
      applicable: true,
    });
    // The bolt's wholesale price is in dollars.
    const usd = fake.put('currency', { name: 'доллар США', isoCode: 'USD', code: '840' });
    const rub = fake.put('currency', { name: 'руб', isoCode: 'RUB', code: '643', default: true });
    fake.change('product', ids.bolt.id, {
      salePrices: [
        { value: 1511, priceType: { id: ids.retail, name: 'Розничная' }, currency: fake.ref('currency', rub.id) },
        { value: 250, priceType: { id: ids.wholesale, name: 'Оптовая' }, currency: fake.ref('currency', usd.id) },
      ],
    });

    const result = await sync(true);
    expect(result.ok).toBe(true);
    expect(result.counts).toMatchObject({ balances_read: 1, balances_changed: 1, documents_read: 4, documents_created: 4 });
    const entity = await t.ctx.db
      .selectFrom('legal_entities')
      .innerJoin('companies', 'companies.id', 'legal_entities.company_id')
      .select(['legal_entities.id', 'companies.id as company_id'])
      .where('companies.external_ms_id', '=', romashka.id)
      .executeTakeFirstOrThrow();
    const terms = await t.ctx.db
      .selectFrom('account_terms')
      .select(['balance', 'source'])
      .where('legal_entity_id', '=', entity.id)
      .executeTakeFirstOrThrow();
    expect(terms).toEqual({ balance: 1_250_050, source: 'moysklad' });
    const docs = await t.ctx.db
      .selectFrom('account_documents')
      .select(['kind', 'number', 'date', 'due_date', 'amount', 'status'])
      .orderBy('date')
      .orderBy('kind')
      .execute();
    expect(docs).toEqual([
      { kind: 'invoice', number: '00012', date: '2026-11-28', due_date: '2026-12-05', amount: 1_200_000, status: 'active' },
      { kind: 'shipment', number: '00031', date: '2026-11-30', due_date: null, amount: 1_200_000, status: 'active' },
      { kind: 'payment', number: '7', date: '2026-12-01', due_date: null, amount: 700_000, status: 'active' },
      // Not carried out in MoySklad: a draft, in no sum.
      { kind: 'return', number: '2', date: '2026-12-01', due_date: null, amount: 50_000, status: 'draft' },
    ]);
    // 2.50 $ is no rouble price: "price on request" until a rate is set; the rouble price type is as before.
    expect(await priceOf(ids.bolt.id, 'Опт')).toBeUndefined();
    expect(await priceOf(ids.bolt.id, 'Розница')).toBe(1511);
    const foreign = await t.ctx.db.selectFrom('foreign_prices').select(['currency', 'amount']).execute();
    expect(foreign).toEqual([{ currency: 'USD', amount: 250 }]);

    // The same again: nothing new; a later sync only reads what changed.
    const again = await sync(false);
    expect(again.counts).toMatchObject({ balances_changed: 0, documents_created: 0, documents_updated: 0 });

    // Without MoySklad's CRM option the report is refused: the sync goes on, balances stay as they were.
    fake.noCrm = true;
    const noCrm = await sync(false);
    expect(noCrm.ok).toBe(true);
    expect((await t.ctx.db.selectFrom('account_terms').select('balance').executeTakeFirstOrThrow()).balance).toBe(1_250_050);
  });
});
