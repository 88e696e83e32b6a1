import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { ShortCache } from './short-cache.js';
import type { PriceViewer } from './viewer.js';

// Per database (tests run several in one process); counts and brand lists may lag by seconds.
const countCaches = new WeakMap<Kysely<DB>, ShortCache<number>>();
const brandCaches = new WeakMap<Kysely<DB>, ShortCache<string[]>>();
const specialCaches = new WeakMap<Kysely<DB>, ShortCache<boolean>>();
const unitCaches = new WeakMap<Kysely<DB>, ShortCache<Map<number, { name: string; precision: number }>>>();
const COUNT_TTL_MS = 5_000;

function cacheFor<V>(map: WeakMap<Kysely<DB>, ShortCache<V>>, db: Kysely<DB>): ShortCache<V> {
  const existing = map.get(db);
  if (existing) return existing;
  const cache = new ShortCache<V>(COUNT_TTL_MS);
  map.set(db, cache);
  return cache;
}

export type SortKey = 'name' | 'sku' | 'price_asc' | 'price_desc';
export const SORT_KEYS: readonly SortKey[] = ['name', 'sku', 'price_asc', 'price_desc'];

export interface ListFilter {
  categoryIds?: readonly number[];
  inStockOnly?: boolean;
  brand?: string;
  sort?: SortKey;
}

/** One row of the catalog table. Only the viewer's own price type is ever read. */
export interface ListingRow {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  brand: string;
  unit_name: string | null;
  unit_precision: number | null;
  stock_total: number;
  min_qty: number;
  multiple: number;
  vat_bp: number | null;
  base_price: number | null;
  special_price: number | null;
  photo: string | null;
}

/**
 * Most companies have no special prices: then the join is skipped (50 index lookups a page).
 * Cached for seconds, like counts; the order itself always re-reads prices.
 */
export async function hasSpecialPrices(db: Kysely<DB>, companyId: number | null): Promise<boolean> {
  if (companyId === null) return false;
  return cacheFor(specialCaches, db).get(String(companyId), async () =>
    (await db.selectFrom('special_prices').select('product_id').where('company_id', '=', companyId).limit(1).executeTakeFirst()) !== undefined,
  );
}

/** Units are a handful of rows: kept in memory instead of joined into every row. */
async function unitsById(db: Kysely<DB>): Promise<Map<number, { name: string; precision: number }>> {
  return cacheFor(unitCaches, db).get('all', async () => {
    const rows = await db.selectFrom('units').select(['id', 'name', 'precision']).execute();
    return new Map(rows.map((u) => [u.id, { name: u.name, precision: u.precision }]));
  });
}

/**
 * Sellable products with the viewer's price: its price type's price and, when the company has
 * any, its special price. The one place the buyer-price join is written, so no page or export
 * can read another price type.
 */
export function productsAtViewerPrices(db: Kysely<DB>, viewer: PriceViewer, withSpecial: boolean) {
  return db
    .selectFrom('products as p')
    .leftJoin('prices as pr', (join) => join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', viewer.priceTypeId ?? -1))
    .$if(withSpecial, (q) =>
      q.leftJoin('special_prices as sp', (join) => join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', viewer.companyId ?? -1)),
    )
    .select([
      'p.id',
      'p.sku',
      'p.name',
      'p.variant_name',
      'p.unit_id',
      'p.stock_total',
      'p.min_qty',
      'p.multiple',
      'p.vat_bp',
      'pr.price as base_price',
      withSpecial ? sql<number | null>`sp.price`.as('special_price') : sql<number | null>`null`.as('special_price'),
    ])
    .where('p.hidden', '=', 0)
    .where('p.has_variants', '=', 0);
}

function baseQuery(db: Kysely<DB>, viewer: PriceViewer, withSpecial: boolean) {
  return productsAtViewerPrices(db, viewer, withSpecial).select([
    'p.brand',
    (eb) =>
      eb
        .selectFrom('product_photos as ph')
        .select('ph.file')
        .whereRef('ph.product_id', '=', 'p.id')
        .orderBy('ph.sort')
        .orderBy('ph.id')
        .limit(1)
        .as('photo'),
  ]);
}

async function withUnits(db: Kysely<DB>, rows: (Omit<ListingRow, 'unit_name' | 'unit_precision'> & { unit_id: number | null })[]): Promise<ListingRow[]> {
  const units = await unitsById(db);
  return rows.map(({ unit_id, ...row }) => {
    const unit = unit_id === null ? undefined : units.get(unit_id);
    return { ...row, unit_name: unit?.name ?? null, unit_precision: unit?.precision ?? null };
  });
}

export async function listProducts(
  db: Kysely<DB>,
  viewer: PriceViewer,
  filter: ListFilter,
  limit: number,
  offset: number,
): Promise<{ rows: ListingRow[]; total: number }> {
  const withSpecial = await hasSpecialPrices(db, viewer.companyId);
  let rows = baseQuery(db, viewer, withSpecial);
  let count = db
    .selectFrom('products as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.hidden', '=', 0)
    .where('p.has_variants', '=', 0);
  const ids = filter.categoryIds;
  if (ids !== undefined) {
    // One category: equality lets SQLite walk the (category_id, hidden, name) index in order.
    if (ids.length === 1) {
      rows = rows.where('p.category_id', '=', ids[0] ?? -1);
      count = count.where('p.category_id', '=', ids[0] ?? -1);
    } else {
      rows = rows.where('p.category_id', 'in', ids.length ? ids : [-1]);
      count = count.where('p.category_id', 'in', ids.length ? ids : [-1]);
    }
  }
  if (filter.inStockOnly) {
    rows = rows.where('p.stock_total', '>', 0);
    count = count.where('p.stock_total', '>', 0);
  }
  if (filter.brand) {
    rows = rows.where('p.brand', '=', filter.brand);
    count = count.where('p.brand', '=', filter.brand);
  }
  switch (filter.sort ?? 'name') {
    case 'sku':
      rows = rows.orderBy('p.sku_norm').orderBy('p.id');
      break;
    case 'price_asc':
      rows = rows.orderBy(sql`${effectivePrice(withSpecial)} is null`).orderBy(effectivePrice(withSpecial)).orderBy('p.name');
      break;
    case 'price_desc':
      rows = rows.orderBy(sql`${effectivePrice(withSpecial)} is null`).orderBy(effectivePrice(withSpecial), 'desc').orderBy('p.name');
      break;
    default:
      rows = rows.orderBy('p.name').orderBy('p.id');
  }
  const countKey = JSON.stringify([ids ?? null, filter.inStockOnly ?? false, filter.brand ?? '']);
  const total = await cacheFor(countCaches, db).get(countKey, async () => Number((await count.executeTakeFirstOrThrow()).n));
  const list = await withUnits(db, await rows.limit(limit).offset(offset).execute());
  return { rows: list, total };
}

function effectivePrice(withSpecial: boolean) {
  return withSpecial ? sql`coalesce(sp.price, pr.price)` : sql`pr.price`;
}

/** Rows for the given ids, in that order (search results keep their ranking). */
export async function productsByIds(db: Kysely<DB>, viewer: PriceViewer, ids: readonly number[]): Promise<ListingRow[]> {
  if (ids.length === 0) return [];
  const rows = await withUnits(db, await baseQuery(db, viewer, await hasSpecialPrices(db, viewer.companyId)).where('p.id', 'in', ids).execute());
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is ListingRow => r !== undefined);
}

/** Brands present in the given categories (or the whole catalog), for the filter. */
export async function brandsIn(db: Kysely<DB>, categoryIds: readonly number[] | undefined): Promise<string[]> {
  return cacheFor(brandCaches, db).get(JSON.stringify(categoryIds ?? null), () => queryBrands(db, categoryIds));
}

async function queryBrands(db: Kysely<DB>, categoryIds: readonly number[] | undefined): Promise<string[]> {
  let query = db.selectFrom('products').select('brand').distinct().where('hidden', '=', 0).where('brand', '!=', '');
  if (categoryIds !== undefined) query = query.where('category_id', 'in', categoryIds.length ? categoryIds : [-1]);
  const rows = await query.orderBy('brand').limit(200).execute();
  return rows.map((r) => r.brand);
}
