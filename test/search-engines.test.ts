import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindexProducts, type SearchFilter, searchProductIds } from '../src/catalog/search.js';
import { makeProduct, type NewProduct, startTestApp, type TestApp } from './helpers.js';

/*
 * Product search has two engines: the in-memory index (search/memory.ts, every search outside a
 * transaction) and SQL with the trigram FTS table (search/fts.ts, inside transactions). They rank
 * differently (name order in tiers, bm25), but must FIND the same products: the same queries go
 * through both here, and every match, exact match and count must agree.
 */

let t: TestApp;
const categories: number[] = [];

/** A product of the catalog below; `category` is an index into `categories`. */
type Product = Omit<NewProduct, 'categoryId' | 'variantName'> & { variant?: string; category?: number };

/** A catalog with the shapes that tell search engines apart: codes, dashes, ё, short words, variants. */
function catalog(): Product[] {
  const made: Product[] = [
    { sku: 'AB-12345', name: 'Кран шаровой латунный ½"', brand: 'Valtec', barcodes: ['4600000012345'], stock: 5 },
    { sku: 'AB-12346', name: 'Кран шаровой стальной ¾"', brand: 'Valtec', barcodes: ['4600000012346'] },
    { sku: 'ab12', name: 'Экран для ванны', brand: 'Aquanet', stock: 1 },
    { sku: 'КР-7', name: 'Ёлочная игрушка «Шар»', variant: 'красный', barcodes: ['2000000000017', '4 600000 000024'] },
    { sku: 'KR-8', name: 'Елочная гирлянда 10 м', brand: 'Эра', stock: 2 },
    { sku: 'M6-20', name: 'Болт М6×20 оцинкованный DIN 933', brand: 'Стройметиз', stock: 100 },
    { sku: 'M6-30', name: 'Болт М6×30 нержавеющий', brand: 'Стройметиз' },
    { sku: 'M8-20', name: 'Гайка М8 оцинкованная', brand: 'Стройметиз', stock: 7 },
    { sku: 'ВВГ-3×2.5', name: 'Кабель ВВГнг-LS 3×2,5', brand: 'Кабэкс', stock: 300 },
    { sku: 'ВВГ-3×1.5', name: 'Кабель ВВГнг-LS 3×1,5', brand: 'Кабэкс', hidden: true },
    { sku: 'DR-001', name: 'Drill bit 6 mm, HSS', brand: 'Bosch', barcodes: ['3165140000013'], stock: 3 },
    { sku: 'DR-002', name: 'Дрель ударная 800 Вт', brand: 'Bosch' },
    { sku: '100-200', name: 'Хомут 100–200 мм (червячный)', stock: 9 },
    { sku: 'X', name: 'Саморез кровельный 4,8×35', brand: 'Fischer' },
    { sku: 'LOOK-АЕ', name: 'Артикул с кириллицей', barcodes: ['0000000000001'] },
    { sku: '', name: 'Товар без артикула', stock: 4 },
    { sku: 'Q"UOTE', name: 'Кавычки "в названии" и апостроф\'s', brand: "O'Brien" },
    { sku: 'PCT-50%', name: 'Скидка 50% на_всё', brand: '' },
  ];
  // And a deterministic crowd, so that words repeat across many products and pages fill up.
  const kinds = ['Болт', 'Гайка', 'Шайба', 'Ёрш', 'Кран', 'Труба', 'Хомут', 'Анкер'];
  const finishes = ['оцинкованный', 'чёрный', 'латунный', 'стальной', 'белый'];
  for (let i = 1; i <= 240; i++) {
    made.push({
      sku: `${['AB', 'KR', 'ZX', 'БМ'][i % 4]}-${String(1000 + i * 7).padStart(5, '0')}`,
      name: `${kinds[i % kinds.length]} ${finishes[i % finishes.length]} М${4 + (i % 5) * 2}×${10 + ((i * 13) % 90)}`,
      brand: ['Стройметиз', 'Bosch', 'Valtec', ''][i % 4] ?? '',
      barcodes: i % 3 === 0 ? [`46${String(i * 101).padStart(11, '0')}`] : [],
      stock: i % 4,
      hidden: i % 37 === 0,
      category: i % 2,
    });
  }
  return made;
}

beforeAll(async () => {
  t = await startTestApp();
  const now = t.clock.now();
  for (const name of ['Сантехника', 'Крепёж']) {
    categories.push(
      (
        await t.ctx.db
          .insertInto('categories')
          .values({ name, parent_id: null, external_1c_id: null, external_ms_id: null, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  }
  for (const p of catalog()) {
    await makeProduct(t.ctx, {
      ...p,
      ...(p.variant ? { variantName: p.variant } : {}),
      ...(p.category === undefined ? {} : { categoryId: categories[p.category] ?? -1 }),
    });
  }
  // A parent with variants is not sold itself; its variants are.
  const parentId = await makeProduct(t.ctx, { sku: 'VAR', name: 'Перчатки рабочие', hasVariants: true });
  for (const size of ['S', 'M', 'L']) {
    await makeProduct(t.ctx, { sku: `VAR-${size}`, name: 'Перчатки рабочие', variantName: `размер ${size}`, parentId, stock: 1 });
  }
  await reindexProducts(t.ctx.searchIndex, t.ctx.db);
});
afterAll(async () => t.close());

const QUERIES = [
  // SKUs: whole, prefix, fragment, other spellings and separators
  'AB-12345',
  'ab12345',
  'AB 12345',
  'ab-123',
  '1234',
  '12',
  'ab12',
  'кр-7',
  'КР7',
  'm6',
  'M6-20',
  'ввг-3×2.5',
  'ввг3×25',
  'look-ае',
  'var-m',
  // barcodes: whole, fragment, with spaces and dashes
  '4600000012345',
  '4600000-012345',
  '4 600000 000024',
  '000000',
  '316514',
  '12345',
  // words, in any order, partial, across name, variant and brand
  'кран шаровой',
  'шаровой кран',
  'кран',
  'ран',
  'латун',
  'болт оцинк м6',
  'м6 болт',
  'оцинкованный',
  'цинк',
  'valtec кран',
  'bosch',
  'дрель ударная',
  'drill',
  'hss',
  'красный шар',
  'перчатки',
  'размер l',
  'кабель ввгнг',
  'ввгнг-ls',
  '3×2,5',
  '100–200',
  '100-200',
  'хомут червячный',
  // ё and е
  'ёлочная',
  'елочная',
  'ЁЛОЧНАЯ ИГРУШКА',
  'ерш',
  'ёрш',
  'чёрный',
  'черный',
  // hostile input: FTS syntax, SQL, GLOB and LIKE characters, quotes, lone punctuation, long and odd text
  '"',
  "'",
  '""',
  '*',
  '?',
  '[',
  '%',
  '_',
  'на_всё',
  '50%',
  'кавычки "в',
  "o'brien",
  'q"uote',
  'кран OR болт',
  'кран AND NOT болт',
  'NEAR(кран болт)',
  'name:кран',
  '{sku}:ab',
  '^кран',
  "'; drop table products; --",
  '(',
  ')',
  '-',
  '--',
  '\\',
  'кран\u0000болт',
  '😀',
  'кран😀',
  'а'.repeat(250),
  'х у',
  ' ',
  '',
];

const FILTERS: { name: string; filter: () => SearchFilter }[] = [
  { name: 'no filter', filter: () => ({}) },
  { name: 'in stock', filter: () => ({ inStockOnly: true }) },
  { name: 'brand', filter: () => ({ brand: 'Стройметиз' }) },
  { name: 'category', filter: () => ({ categoryIds: [categories[1] ?? -1] }) },
];

async function both(query: string, filter: SearchFilter) {
  const inMemory = await searchProductIds(t.ctx.db, t.ctx.searchIndex, query, filter, 1000, 0);
  const onSql = await searchProductIds(t.ctx.db, null, query, filter, 1000, 0).catch((error: Error) => {
    throw new Error(`${JSON.stringify(query)}: ${error.message}`);
  });
  const summary = (r: typeof inMemory) => ({ ids: [...r.ids].sort((a, b) => a - b), exact: [...r.exactIds].sort((a, b) => a - b), total: r.total });
  return { memory: summary(inMemory), sql: summary(onSql) };
}

describe('the in-memory index and the FTS path', () => {
  for (const { name, filter } of FILTERS) {
    it(`find the same products (${name})`, async () => {
      let found = 0;
      for (const query of QUERIES) {
        const { memory, sql } = await both(query, filter());
        expect({ query, ...memory }).toEqual({ query, ...sql });
        found += memory.ids.length;
      }
      // The queries find something: agreeing on nothing would prove nothing.
      expect(found).toBeGreaterThan(QUERIES.length);
    });
  }

  it('agree on what comes first for an exact SKU or barcode', async () => {
    for (const query of ['AB-12345', 'ab12', '4600000012346', 'M8-20']) {
      const inMemory = await searchProductIds(t.ctx.db, t.ctx.searchIndex, query, {}, 50, 0);
      const onSql = await searchProductIds(t.ctx.db, null, query, {}, 50, 0);
      expect(inMemory.exactIds).toHaveLength(1);
      expect([query, inMemory.ids[0]]).toEqual([query, onSql.ids[0]]);
    }
  });
});
