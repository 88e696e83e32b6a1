import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  containsGlob,
  queryTerms,
  reindexProducts,
  SEARCH_COUNT_CAP,
  type SearchFilter,
  searchProductIds,
} from '../src/catalog/search.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { makeProduct, type NewProduct, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.ctx.db.deleteFrom('products').execute();
  await t.ctx.db.deleteFrom('categories').execute();
  await sql`insert into products_fts(products_fts) values ('delete-all')`.execute(t.ctx.db);
});

const add = (p: NewProduct) => makeProduct(t.ctx, p);

async function category(name: string): Promise<number> {
  const now = t.clock.now();
  const row = await t.ctx.db
    .insertInto('categories')
    .values({ name, parent_id: null, external_1c_id: null, external_ms_id: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function search(query: string, filter: SearchFilter = {}, limit = 50, offset = 0) {
  return searchProductIds(t.ctx.db, t.ctx.searchIndex, query, filter, limit, offset);
}

function sorted(list: readonly number[]): number[] {
  return [...list].sort((x, y) => x - y);
}

async function ids(query: string, filter: SearchFilter = {}): Promise<number[]> {
  return (await search(query, filter)).ids;
}

describe('query parsing', () => {
  it('folds, strips punctuation around words and drops empty ones', () => {
    expect(queryTerms('  (Болт)  "М6", Ёлка -- * AND ').map((w) => w.text)).toEqual(['болт', 'м6', 'елка', 'and']);
    expect(queryTerms('AB-12345')[0]).toEqual({ text: 'ab-12345', sku: 'ab12345', barcode: '' });
    expect(queryTerms('460-123')[0]?.barcode).toBe('460123');
  });

  it('builds case- and ё-insensitive GLOB patterns', () => {
    expect(containsGlob('м6')).toBe('*[мМ]6*');
    expect(containsGlob('е')).toBe('*[еЕёЁ]*');
    expect(containsGlob('a*?[')).toBe('*[aA][*][?][[]*');
    expect(containsGlob('6-')).toBe('*6[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]*');
  });
});

describe('searchProductIds', () => {
  it('finds a product by an SKU prefix or fragment', async () => {
    const ab = await add({ sku: 'AB-12345', name: 'Болт' });
    const other = await add({ sku: 'CD-999', name: 'Гайка' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('1234')).toEqual([ab]);
    expect(await ids('ab12')).toEqual([ab]);
    expect(await ids('2345')).toEqual([ab]);
    expect(await ids('cd-9')).toEqual([other]);
    expect(await ids('CD')).toEqual([other]);
  });

  it('matches an SKU typed with other dashes, case, spaces or Cyrillic look-alikes exactly', async () => {
    const ab = await add({ sku: 'AB-12345', name: 'Болт' });
    await add({ sku: 'AB-123456', name: 'Болт длинный' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    for (const q of ['AB-12345', 'ab12345', 'ab 12345', 'AB–12345', 'АВ-12345', 'аb.12345', 'Ab/12345', '  ab_12345 ']) {
      const res = await search(q);
      expect(res.ids[0], q).toBe(ab);
      expect(res.exactIds, q).toEqual([ab]);
      expect(res.total, q).toBe(2);
    }
  });

  it('finds by barcode, exactly (marked) or by a fragment', async () => {
    const a = await add({ sku: 'X1', name: 'Шуруп', barcodes: ['4601234567890', '2000000000017'] });
    const b = await add({ sku: 'X2', name: 'Шуруп', barcodes: ['4601234567891'] });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    const exact = await search('4601234567890');
    expect(exact.ids).toEqual([a]);
    expect(exact.exactIds).toEqual([a]);
    expect((await search('4 601234 567890')).exactIds).toEqual([a]);
    expect((await search('2000000000017')).ids).toEqual([a]);
    const fragment = await search('60123456789');
    expect(sorted(fragment.ids)).toEqual(sorted([a, b]));
    expect(fragment.exactIds).toEqual([]);
  });

  it('ranks an exact SKU before an exact barcode before SKU prefixes before the rest', async () => {
    const byName = await add({ sku: 'N-1', name: 'Переходник 12345678 мм' });
    const byPrefix = await add({ sku: '12345678-9', name: 'Переходник' });
    const byBarcode = await add({ sku: 'B-1', name: 'Переходник', barcodes: ['12345678'] });
    const bySku = await add({ sku: '1234-5678', name: 'Переходник' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    const res = await search('12345678');
    expect(res.ids).toEqual([bySku, byBarcode, byPrefix, byName]);
    expect(res.exactIds).toEqual([bySku, byBarcode]);
  });

  it('treats every kind of dash in a name as the same', async () => {
    const tap = await add({ sku: 'T-1', name: 'Кран KR–200 (en dash)' });
    const valve = await add({ sku: 'T-2', name: 'Клапан X-7' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('kr-200')).toEqual([tap]);
    expect(await ids('KR—200')).toEqual([tap]);
    expect(await ids('клапан x‑7')).toEqual([valve]);
    expect(await ids('x–7')).toEqual([valve]);
  });

  it('finds Cyrillic words of the name in any order, case-insensitively', async () => {
    const m6 = await add({ sku: 'B-640', name: 'Болт оцинкованный М6×40' });
    const m8 = await add({ sku: 'B-840', name: 'Болт оцинкованный М8×40' });
    await add({ sku: 'G-6', name: 'Гайка М6' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('болт м6 оцинк')).toEqual([m6]);
    expect(await ids('ОЦИНК БОЛТ')).toEqual(expect.arrayContaining([m6, m8]));
    expect(await ids('оцинкованный болт')).toHaveLength(2);
    expect(await ids('м6×40 болт')).toEqual([m6]);
    expect(await ids('болт, оцинкованный.')).toHaveLength(2);
    expect(await ids('болт шуруп')).toEqual([]);
  });

  it('treats ё and е as the same letter both ways', async () => {
    const toy = await add({ name: 'Елочная игрушка' });
    const hedgehog = await add({ name: 'Ёжик резиновый' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('ёлочная')).toEqual([toy]);
    expect(await ids('ЁЛОЧН')).toEqual([toy]);
    expect(await ids('ежик')).toEqual([hedgehog]);
    expect(await ids('Ёжик')).toEqual([hedgehog]);
    expect(sorted(await ids('ё'))).toEqual(sorted([toy, hedgehog]));
  });

  it('finds English words case-insensitively, brand and variant included', async () => {
    const drill = await add({ sku: 'GSR-12', name: 'Drill GSR 12V-15 Professional', brand: 'Bosch' });
    await add({ sku: 'M-1', name: 'Makita hammer', brand: 'Makita' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('drill')).toEqual([drill]);
    expect(await ids('PROFESSIONAL gsr')).toEqual([drill]);
    expect(await ids('bosch DRILL')).toEqual([drill]);
    expect(await ids('12v-15')).toEqual([drill]);
  });

  it('puts the exact SKU first even when 60 other names mention it', async () => {
    const others: number[] = [];
    for (let i = 0; i < 60; i++) {
      others.push(await add({ sku: `ZZ-${i}`, name: `Аналог KR-100 кран шаровой, замена KR-100 и KR100, вариант ${i}` }));
    }
    const prefixed = await add({ sku: 'KR-1001', name: 'Кран угловой' });
    const exact = await add({ sku: 'KR-100', name: 'Кран шаровой' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    for (const q of ['KR-100', 'kr100', 'kr 100', 'Kr–100']) {
      const page = await search(q, {}, 50, 0);
      expect(page.ids[0], q).toBe(exact);
      expect(page.ids[1], q).toBe(prefixed);
      expect(page.exactIds).toEqual([exact]);
      expect(page.ids, q).toHaveLength(50);
      expect(page.total).toBe(62);
      const page2 = await search(q, {}, 50, 50);
      expect(page2.ids).toHaveLength(12);
      expect(new Set([...page.ids, ...page2.ids]).size).toBe(62);
      expect(page2.ids.every((id) => others.includes(id))).toBe(true);
    }
    // Cyrillic look-alikes are folded for SKUs only: the names (Latin "KR") do not match "КR".
    expect(await ids('КR 100')).toEqual([exact, prefixed]);
  });

  it('uses words shorter than three characters as a filter, or alone with a bounded scan', async () => {
    const m6 = await add({ sku: 'B-640', name: 'Болт оцинкованный М6×40' });
    const m8 = await add({ sku: 'B-840', name: 'Болт оцинкованный М8×40' });
    const nut = await add({ sku: 'G-6', name: 'Гайка М6' });
    const sku = await add({ sku: 'M6', name: 'Шпилька' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('болт М6')).toEqual([m6]);
    expect(await ids('М8 болт')).toEqual([m8]);
    const short = await search('М6');
    expect(short.ids[0]).toBe(sku); // Cyrillic М6 is the SKU "M6" exactly
    expect(short.exactIds).toEqual([sku]);
    expect(sorted(short.ids.slice(1))).toEqual(sorted([m6, nut]));
    expect(await ids('м6 40')).toEqual([m6]);
    expect(await ids('м8 г')).toEqual([]);
    expect(await ids('b')).toEqual(expect.arrayContaining([m6, m8]));
  });

  it('never fails on hostile input', async () => {
    const bolt = await add({ sku: 'B-1', name: 'Болт "М6" (оцинк.)' });
    const rock = await add({ sku: 'R-1', name: 'Rock and Roll Organ' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    const hostile = [
      '"',
      '""',
      'AND',
      'OR',
      'NOT',
      'AND OR',
      '*',
      '(',
      ')',
      '-',
      '^',
      '+',
      ':',
      'NEAR(болт)',
      'sku:болт',
      '{sku}: болт',
      "'",
      '\\',
      '%',
      '_',
      '[',
      '"болт',
      'болт"',
      'болт AND',
      'болт*',
      '-болт',
      '\u0000',
      'x'.repeat(5000),
      '😀',
      'болт '.repeat(50),
    ];
    for (const q of hostile) {
      await expect(search(q), q).resolves.toBeDefined();
    }
    expect(await ids('"болт')).toEqual([bolt]);
    expect(await ids('(болт*')).toEqual([bolt]);
    expect(await ids('"м6"')).toEqual([bolt]);
    expect(await ids('AND OR')).toEqual([rock]);
    expect(await ids('NOT rock')).toEqual([]);
    expect(await ids('*')).toEqual([]);
  });

  it('returns nothing for an empty or blank query', async () => {
    await add({ sku: 'A-1', name: 'Болт' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    for (const q of ['', '   ', '\t\n', ' - ']) {
      expect(await search(q), JSON.stringify(q)).toEqual({ ids: [], total: 0, exactIds: [] });
    }
  });

  it('never finds hidden products or parents of variants', async () => {
    const visible = await add({ sku: 'VIS-1', name: 'Болт видимый' });
    await add({ sku: 'HID-1', name: 'Болт скрытый', barcodes: ['4600000000011'], hidden: true });
    const parent = await add({ sku: 'TS-1', name: 'Футболка хлопковая', hasVariants: true });
    const red = await add({ sku: 'TS-1-R', name: 'Футболка хлопковая', variantName: 'красная XL', parentId: parent });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('болт')).toEqual([visible]);
    expect(await ids('HID-1')).toEqual([]);
    expect(await ids('скрытый')).toEqual([]);
    expect(await ids('4600000000011')).toEqual([]);
    expect(await ids('футболка')).toEqual([red]);
    expect(await ids('TS-1')).toEqual([red]);
    expect(await ids('футболка красная')).toEqual([red]);
    // Hidden after the last reindex: still filtered out.
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', visible).execute();
    expect(await ids('болт')).toEqual([]);
    expect(await ids('VIS-1')).toEqual([]);
    expect(await ids('во')).toEqual([]);
  });

  it('applies the category, stock and brand filters to every tier', async () => {
    const bolts = await category('Болты');
    const nuts = await category('Гайки');
    const a = await add({ sku: 'F-100', name: 'Болт М10', categoryId: bolts, stock: 5, brand: 'Стройметиз' });
    const b = await add({ sku: 'F-1001', name: 'Болт М10 длинный', categoryId: bolts, stock: 0, brand: 'Метизы' });
    const c = await add({ sku: 'F-2', name: 'Гайка к болту F-100', categoryId: nuts, stock: 3, brand: 'Стройметиз' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('F-100')).toEqual([a, b, c]);
    expect(await ids('F-100', { categoryIds: [bolts] })).toEqual([a, b]);
    expect(await ids('F-100', { categoryIds: [nuts] })).toEqual([c]);
    expect(await ids('F-100', { categoryIds: [bolts, nuts] })).toEqual([a, b, c]);
    expect(await ids('F-100', { categoryIds: [] })).toEqual([]);
    expect(await ids('F-100', { inStockOnly: true })).toEqual([a, c]);
    expect(await ids('F-100', { brand: 'Метизы' })).toEqual([b]);
    expect(await ids('F-100', { brand: 'Стройметиз', inStockOnly: true, categoryIds: [nuts] })).toEqual([c]);
    expect(await ids('м10', { inStockOnly: true })).toEqual([a]);
    expect(await ids('болт', { brand: 'Метизы' })).toEqual([b]);
  });

  it('finds the new name after a rename and reindex, not the old one', async () => {
    const id = await add({ sku: 'R-1', name: 'Саморез кровельный' });
    const other = await add({ sku: 'R-2', name: 'Саморез по дереву' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('кровельный')).toEqual([id]);
    await t.ctx.db
      .updateTable('products')
      .set({ name: 'Шуруп универсальный', sku: 'R-10', sku_norm: normalizeSku('R-10') })
      .where('id', '=', id)
      .execute();
    await t.ctx.db.insertInto('product_barcodes').values({ barcode: '4607000000012', product_id: id }).execute();
    await reindexProducts(t.ctx.searchIndex, t.ctx.db, [id]);
    expect(await ids('кровельный')).toEqual([]);
    expect(await ids('шуруп универс')).toEqual([id]);
    expect(await ids('саморез')).toEqual([other]);
    expect((await search('4607000000012')).exactIds).toEqual([id]);
    expect(await ids('R-10')).toEqual([id]);
    // Gone and hidden products lose their rows; reindexing the same ids twice does not duplicate.
    await t.ctx.db.deleteFrom('products').where('id', '=', other).execute();
    await reindexProducts(t.ctx.searchIndex, t.ctx.db, [other, id, id]);
    await reindexProducts(t.ctx.searchIndex, t.ctx.db, [id]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from products_fts where products_fts match '"шуруп"'`.execute(
      t.ctx.db,
    );
    expect(rows[0]?.n).toBe(1);
    expect(await ids('саморез')).toEqual([]);
  });

  it("reindexes inside a caller's transaction", async () => {
    const id = await add({ sku: 'TX-1', name: 'Дюбель рамный' });
    await t.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('products').set({ name: 'Дюбель фасадный' }).where('id', '=', id).execute();
      await reindexProducts(t.ctx.searchIndex, trx, [id]);
    });
    expect(await ids('фасадный')).toEqual([id]);
    expect(await ids('рамный')).toEqual([]);
  });

  it('counts matches up to the cap and pages through them', async () => {
    await t.ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < SEARCH_COUNT_CAP + 20; i++) {
        await trx
          .insertInto('products')
          .values({
            sku: `P-${i}`,
            sku_norm: `p${i}`,
            name: `Гвоздь строительный ${i}`,
            unit_id: null,
            vat_bp: null,
            parent_id: null,
            category_id: null,
            external_1c_id: null,
            external_ms_id: null,
            created_at: 0,
            updated_at: 0,
          })
          .execute();
      }
    });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    const first = await search('гвоздь', {}, 50, 0);
    expect(first.total).toBe(SEARCH_COUNT_CAP);
    expect(first.ids).toHaveLength(50);
    const last = await search('гвоздь', {}, 50, SEARCH_COUNT_CAP);
    expect(last.ids).toHaveLength(20);
    expect(new Set([...first.ids, ...last.ids]).size).toBe(70);
  });
});

describe('matching inside words', () => {
  it('finds a fragment inside a word, after the matches at word starts', async () => {
    const drill = await add({ sku: 'D-1', name: 'Дрель ударная' });
    const fir = await add({ sku: 'E-1', name: 'Ель искусственная' });
    const bolt = await add({ sku: 'B-1', name: 'Болт оцинкованный' });
    const zinc = await add({ sku: 'Z-1', name: 'Грунт цинковый' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    // "Дрель" sorts before "Ель", but holds "ель" only inside a word.
    expect(await ids('ель')).toEqual([fir, drill]);
    expect(await ids('цинк')).toEqual([zinc, bolt]);
    expect(await ids('оцинк')).toEqual([bolt]);
    expect(await ids('ованн болт')).toEqual([bolt]);
    // An SKU or barcode fragment inside counts as inside a word too.
    const coded = await add({ sku: 'QW-777', name: 'Муфта', barcodes: ['4607770000001'] });
    const named = await add({ sku: 'M-2', name: 'Муфта 777' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('777')).toEqual([named, coded]);
  });
});

describe('keeping the index current', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Past the once-a-second check for writes made without reindexProducts. */
  function aSecondLater() {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 1500);
  }

  it('picks up products added, renamed or restocked without a reindex within a second', async () => {
    const old = await add({ sku: 'S-1', name: 'Шпилька резьбовая', stock: 0 });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect(await ids('шпилька')).toEqual([old]);
    const added = await add({ sku: 'S-2', name: 'Шпилька анкерная' });
    t.clock.advance(1000);
    await t.ctx.db
      .updateTable('products')
      .set({ name: 'Шпилька монтажная', stock_total: 5, updated_at: t.clock.now() })
      .where('id', '=', old)
      .execute();
    aSecondLater();
    expect(await ids('шпилька')).toEqual([added, old]);
    expect(await ids('монтажная')).toEqual([old]);
    expect(await ids('резьбовая')).toEqual([]);
    expect(await ids('шпилька', { inStockOnly: true })).toEqual([old]);
  });

  it('never shows a product hidden, deleted or sold out without a reindex, and corrects the count', async () => {
    const a = await add({ sku: 'H-1', name: 'Хомут червячный', stock: 3 });
    const b = await add({ sku: 'H-2', name: 'Хомут силовой', stock: 3 });
    const c = await add({ sku: 'H-3', name: 'Хомут пластиковый', stock: 3 });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    expect((await search('хомут')).total).toBe(3);
    await t.ctx.db.deleteFrom('products').where('id', '=', a).execute();
    await t.ctx.db.updateTable('products').set({ stock_total: 0 }).where('id', '=', b).execute();
    const first = await search('хомут', { inStockOnly: true });
    expect(first.ids).toEqual([c]);
    expect(first.total).toBe(1);
    expect(await ids('хомут')).toEqual([c, b]);
    expect((await search('хомут')).total).toBe(2);
    expect(await ids('H-1')).toEqual([]);
  });

  it('ignores what a rolled back transaction reindexed', async () => {
    const id = await add({ sku: 'R-5', name: 'Ригель дверной' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('products').set({ name: 'Засов дверной' }).where('id', '=', id).execute();
        await reindexProducts(t.ctx.searchIndex, trx, [id]);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await ids('ригель')).toEqual([id]);
    expect(await ids('засов')).toEqual([]);
  });

  it("searches inside a transaction on the FTS table, seeing the transaction's writes", async () => {
    const id = await add({ sku: 'TX-9', name: 'Дюбель-гвоздь' });
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    await t.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('products').set({ name: 'Дюбель рамный' }).where('id', '=', id).execute();
      await reindexProducts(t.ctx.searchIndex, trx, [id]);
      expect((await searchProductIds(trx, t.ctx.searchIndex, 'рамный', {}, 50, 0)).ids).toEqual([id]);
      expect((await searchProductIds(trx, t.ctx.searchIndex, 'TX-9', {}, 50, 0)).exactIds).toEqual([id]);
    });
    expect(await ids('рамный')).toEqual([id]);
  });

  it('places changed products among the others in name order', async () => {
    const names = ['Анкер клиновой', 'Анкер латунный', 'Анкер рамный', 'Анкер химический'];
    const created: number[] = [];
    for (const name of names) created.push(await add({ sku: `A-${created.length}`, name }));
    await reindexProducts(t.ctx.searchIndex, t.ctx.db);
    const [klin, latun, ramn, chem] = created as [number, number, number, number];
    await t.ctx.db.updateTable('products').set({ name: 'Анкер потолочный' }).where('id', '=', klin).execute();
    await reindexProducts(t.ctx.searchIndex, t.ctx.db, [klin]);
    expect(await ids('анкер')).toEqual([latun, klin, ramn, chem]);
    expect((await search('анкер', {}, 2, 1)).ids).toEqual([klin, ramn]);
  });
});

// Search at 100k products (timings, and the same checks at that size): npm run bench -- search.
