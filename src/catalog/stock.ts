import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Which warehouses count for stock: those named (by name or external id) in
 * catalog.stock_warehouses, or all when the list is empty. Unknown names are returned so the
 * admin can be told (a typo in config.yml must not silently hide all stock).
 */
export async function countedWarehouses(
  db: Kysely<DB>,
  selection: readonly string[],
): Promise<{ ids: number[] | null; unknown: string[] }> {
  if (selection.length === 0) return { ids: null, unknown: [] };
  const rows = await db.selectFrom('warehouses').select(['id', 'name', 'external_1c_id', 'external_ms_id']).execute();
  const ids: number[] = [];
  const unknown: string[] = [];
  for (const wanted of selection) {
    const match = rows.find((w) => w.name === wanted || w.external_1c_id === wanted || w.external_ms_id === wanted);
    if (match) ids.push(match.id);
    else unknown.push(wanted);
  }
  return { ids, unknown };
}

/** Recomputes products.stock_total (all products, or the given ones) from the counted warehouses. */
export async function refreshStockTotals(
  db: Kysely<DB>,
  warehouseIds: number[] | null,
  productIds?: readonly number[],
): Promise<void> {
  const warehouseFilter =
    warehouseIds === null
      ? sql``
      : warehouseIds.length === 0
        ? sql` and 0`
        : sql` and warehouse_id in (${sql.join(warehouseIds)})`;
  const productFilter =
    productIds === undefined ? sql`` : productIds.length === 0 ? sql` where 0` : sql` where id in (${sql.join(productIds)})`;
  await sql`update products set stock_total = coalesce((select sum(quantity) from stock where product_id = products.id${warehouseFilter}), 0)${productFilter}`.execute(
    db,
  );
}

/** Stock per warehouse for one product, for the product page. */
export async function stockByWarehouse(db: Kysely<DB>, productId: number, warehouseIds: number[] | null) {
  let query = db
    .selectFrom('warehouses')
    .leftJoin('stock', (join) => join.onRef('stock.warehouse_id', '=', 'warehouses.id').on('stock.product_id', '=', productId))
    .select(['warehouses.id', 'warehouses.name', (eb) => eb.fn.coalesce('stock.quantity', sql<number>`0`).as('quantity')])
    .orderBy('warehouses.id');
  if (warehouseIds !== null) query = query.where('warehouses.id', 'in', warehouseIds.length ? warehouseIds : [-1]);
  return query.execute();
}

/**
 * Recomputes every stock total when catalog.stock_warehouses changed since the last start, so
 * editing config.yml takes effect without a re-import. Returns the names that match no warehouse.
 */
export async function applyStockSelection(db: Kysely<DB>, selection: readonly string[]): Promise<string[]> {
  const { ids, unknown } = await countedWarehouses(db, selection);
  const wanted = JSON.stringify(ids);
  const stored = await db.selectFrom('settings').select('value').where('key', '=', 'stock_warehouse_ids').executeTakeFirst();
  if (stored?.value !== wanted) {
    await refreshStockTotals(db, ids);
    await db
      .insertInto('settings')
      .values({ key: 'stock_warehouse_ids', value: wanted })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: wanted }))
      .execute();
  }
  return unknown;
}
