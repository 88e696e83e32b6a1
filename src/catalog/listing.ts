import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { ShortCache } from './short-cache.js';
import type { PriceViewer } from './viewer.js';

// Per database (tests run several in one process); counts and brand lists may lag by seconds.
const countCaches = new WeakMap<Kysely<DB>, ShortCache<number>>();
const brandCaches = new WeakMap<Kysely<DB>, ShortCache<string[]>>();
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

function baseQuery(db: Kysely<DB>, viewer: PriceViewer) {
  return db
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .leftJoin('prices as pr', (join) => join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', viewer.priceTypeId ?? -1))
    .leftJoin('special_prices as sp', (join) => join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', viewer.companyId ?? -1))
    .select([
      'p.id',
      'p.sku',
      'p.name',
      'p.variant_name',
      'p.brand',
      'u.name as unit_name',
      'u.precision as unit_precision',
      'p.stock_total',
      'p.min_qty',
      'p.multiple',
      'p.vat_bp',
      'pr.price as base_price',
      'sp.price as special_price',
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

export async function listProducts(
  db: Kysely<DB>,
  viewer: PriceViewer,
  filter: ListFilter,
  limit: number,
  offset: number,
): Promise<{ rows: ListingRow[]; total: number }> {
  let rows = baseQuery(db, viewer).where('p.hidden', '=', 0).where('p.has_variants', '=', 0);
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
      rows = rows.orderBy(sql`coalesce(sp.price, pr.price) is null`).orderBy(sql`coalesce(sp.price, pr.price)`).orderBy('p.name');
      break;
    case 'price_desc':
      rows = rows.orderBy(sql`coalesce(sp.price, pr.price) is null`).orderBy(sql`coalesce(sp.price, pr.price)`, 'desc').orderBy('p.name');
      break;
    default:
      rows = rows.orderBy('p.name').orderBy('p.id');
  }
  const countKey = JSON.stringify([ids ?? null, filter.inStockOnly ?? false, filter.brand ?? '']);
  const total = await cacheFor(countCaches, db).get(countKey, async () => Number((await count.executeTakeFirstOrThrow()).n));
  const list = await rows.limit(limit).offset(offset).execute();
  return { rows: list, total };
}

/** Rows for the given ids, in that order (search results keep their ranking). */
export async function productsByIds(db: Kysely<DB>, viewer: PriceViewer, ids: readonly number[]): Promise<ListingRow[]> {
  if (ids.length === 0) return [];
  const rows = await baseQuery(db, viewer).where('p.id', 'in', ids).execute();
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
