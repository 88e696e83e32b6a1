import type { AppContext } from '../src/context.js';
import { reindexProducts } from '../src/catalog/search.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { refreshStockTotals } from '../src/catalog/stock.js';

/**
 * A small hand-made catalog whose prices tell the price types apart by their kopecks:
 * retail prices end in ,11, wholesale in ,22, large wholesale in ,33.
 */
export async function buildCatalog(ctx: AppContext) {
  const now = ctx.clock.now();
  const db = ctx.db;
  const [retail = 0, wholesale = 0, large = 0] = await Promise.all(
    ['Розничная', 'Оптовая', 'Крупный опт'].map(async (name, i) =>
      (
        await db
          .insertInto('price_types')
          .values({ name, is_default: i === 1 ? 1 : 0, external_1c_id: null, external_ms_id: null, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    ),
  );
  const pcs = (await db.insertInto('units').values({ code: '796', name: 'шт', precision: 0 }).returning('id').executeTakeFirstOrThrow()).id;
  const metre = (await db.insertInto('units').values({ code: '006', name: 'м', precision: 2 }).returning('id').executeTakeFirstOrThrow()).id;
  const category = async (name: string, parentId: number | null) =>
    (await db.insertInto('categories').values({ name, parent_id: parentId, external_1c_id: null, external_ms_id: null, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  const fasteners = await category('Крепёж', null);
  const bolts = await category('Болты', fasteners);
  const cable = await category('Кабель', null);
  const main = (await db.insertInto('warehouses').values({ name: 'Основной склад', external_1c_id: 'wh-main', external_ms_id: null, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  const second = (await db.insertInto('warehouses').values({ name: 'Склад Подольск', external_1c_id: 'wh-2', external_ms_id: null, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;

  const products: { id: number; sku: string; name: string }[] = [];
  const add = async (p: { sku: string; name: string; categoryId: number; unitId: number; rub: number; stock: [number, number]; hidden?: boolean; noPrice?: boolean; brand?: string; multiple?: number }) => {
    const row = await db
      .insertInto('products')
      .values({
        sku: p.sku,
        sku_norm: normalizeSku(p.sku),
        name: p.name,
        category_id: p.categoryId,
        unit_id: p.unitId,
        brand: p.brand ?? 'Стройметиз',
        vat_bp: 2000,
        multiple: p.multiple ?? 0,
        hidden: p.hidden ? 1 : 0,
        parent_id: null,
        external_1c_id: null,
        external_ms_id: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (!p.noPrice) {
      await db
        .insertInto('prices')
        .values([
          { product_id: row.id, price_type_id: retail, price: p.rub * 100 + 11 },
          { product_id: row.id, price_type_id: wholesale, price: p.rub * 100 + 22 },
          { product_id: row.id, price_type_id: large, price: p.rub * 100 + 33 },
        ])
        .execute();
    }
    if (p.stock[0]) await db.insertInto('stock').values({ product_id: row.id, warehouse_id: main, quantity: p.stock[0] }).execute();
    if (p.stock[1]) await db.insertInto('stock').values({ product_id: row.id, warehouse_id: second, quantity: p.stock[1] }).execute();
    products.push({ id: row.id, sku: p.sku, name: p.name });
    return row.id;
  };
  for (let i = 1; i <= 30; i++) {
    await add({ sku: `BLT-${100 + i}`, name: `Болт шестигранный М${6 + (i % 5) * 2}×${20 + i * 5} оцинкованный`, categoryId: bolts, unitId: pcs, rub: 10 + i, stock: [i % 4 === 0 ? 0 : i * 10, i % 3 === 0 ? 5 : 0], brand: i % 2 ? 'Стройметиз' : 'KRAFT', multiple: i === 7 ? 50 : 0 });
  }
  const cableId = await add({ sku: 'ВВГ-3×2.5', name: 'Кабель ВВГнг-LS 3×2,5 ГОСТ', categoryId: cable, unitId: metre, rub: 95, stock: [1250.5, 0] });
  const onRequest = await add({ sku: 'SPEC-1', name: 'Анкер химический под заказ', categoryId: fasteners, unitId: pcs, rub: 0, stock: [0, 0], noPrice: true });
  const hidden = await add({ sku: 'HID-1', name: 'Скрытый товар болт', categoryId: bolts, unitId: pcs, rub: 77, stock: [10, 0], hidden: true });
  await db.insertInto('product_barcodes').values({ barcode: '4601234567893', product_id: cableId }).execute();
  await refreshStockTotals(db, null);
  await reindexProducts(ctx.searchIndex, db);
  return { priceTypes: { retail, wholesale, large }, categories: { fasteners, bolts, cable }, warehouses: { main, second }, products, cableId, onRequest, hidden };
}
