import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { ShortCache } from './short-cache.js';
import type { PriceViewer } from './viewer.js';

const COUNT_TTL_MS = 5_000;

/**
 * Answers the listing keeps (ctx.listingCache). Given the catalog generation they are exact;
 * without one, counts and brand lists may lag by seconds.
 */
export class ListingCache {
  readonly counts = new ShortCache<number>(COUNT_TTL_MS);
  readonly brands = new ShortCache<string[]>(COUNT_TTL_MS);
  readonly specials = new ShortCache<boolean>(COUNT_TTL_MS);
  readonly units = new ShortCache<Map<number, { name: string; precision: number }>>(COUNT_TTL_MS);
  /** Units with their codes, for the API's product feed (catalog/feed.ts). */
  readonly feedUnits = new ShortCache<Map<number, FeedUnit>>(COUNT_TTL_MS);
}

export interface FeedUnit {
  name: string;
  code: string;
  precision: number;
}

/** The cache and the catalog generation read before any data (undefined: cached for seconds only). */
export interface ListingCached {
  cache: ListingCache;
  generation?: number | null;
}

/** The cache's answer, or the computed one when there is no cache. */
function through<V>(
  pick: (cache: ListingCache) => ShortCache<V>,
  cached: ListingCached | undefined,
  key: string,
  compute: () => Promise<V>,
) {
  return cached === undefined ? compute() : pick(cached.cache).get(key, compute, cached.generation);
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
  /** The product a variant belongs to; null for a product without variants. */
  parent_id: number | null;
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
  /** The "new" and "sale" marks accounting gives (config.yml's map of fields): 1 or 0. */
  is_new: number;
  is_sale: number;
}

/**
 * Most companies have no special prices: then the join is skipped (50 index lookups a page).
 * Cached until the catalog generation moves (catalog/generation.ts); without a generation, for
 * seconds, like counts. The order itself always re-reads prices.
 */
export async function hasSpecialPrices(db: Kysely<DB>, companyId: number | null, cached?: ListingCached): Promise<boolean> {
  if (companyId === null) return false;
  return through(
    (c) => c.specials,
    cached,
    String(companyId),
    async () =>
      (await db
        .selectFrom('special_prices')
        .select('product_id')
        .where('company_id', '=', companyId)
        .limit(1)
        .executeTakeFirst()) !== undefined,
  );
}

/** Units are a handful of rows: kept in memory instead of joined into every row. */
async function unitsById(
  db: Kysely<DB>,
  cached: ListingCached | undefined,
): Promise<Map<number, { name: string; precision: number }>> {
  return through(
    (c) => c.units,
    cached,
    'all',
    async () => {
      const rows = await db.selectFrom('units').select(['id', 'name', 'precision']).execute();
      return new Map(rows.map((u) => [u.id, { name: u.name, precision: u.precision }]));
    },
  );
}

/**
 * Sellable products with the viewer's price: its price type's price and, when the company has
 * any, its special price. The one place the buyer-price join is written, so no page or export
 * can read another price type.
 */
export function productsAtViewerPrices(db: Kysely<DB>, viewer: PriceViewer, withSpecial: boolean) {
  return db
    .selectFrom('products as p')
    .leftJoin('prices as pr', (join) =>
      join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', viewer.priceTypeId ?? -1),
    )
    .$if(withSpecial, (q) =>
      q.leftJoin('special_prices as sp', (join) =>
        join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', viewer.companyId ?? -1),
      ),
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

/**
 * The listing's SQL, written out rather than built with Kysely: building and compiling the query
 * cost as much as running it (~0.15 ms a page). The text depends only on the shape of the filter,
 * so the statement cache (db/statements.ts) prepares each shape once; values are parameters.
 */
function listingSql(withSpecial: boolean, where: string, tail: string): string {
  return `select p.id, p.parent_id, p.sku, p.name, p.variant_name, p.unit_id, p.stock_total, p.min_qty, p.multiple, p.vat_bp, p.brand,
      p.is_new, p.is_sale,
      pr.price as base_price, ${withSpecial ? 'sp.price' : 'null'} as special_price,
      (select ph.file from product_photos ph where ph.product_id = p.id order by ph.sort, ph.id limit 1) as photo
    from products p ${priceJoinsSql(withSpecial)}
    where p.hidden = 0 and p.has_variants = 0${where}${tail}`;
}

/** The viewer's price type (parameter 1) and, with special prices, its company (parameter 2). */
function priceJoinsSql(withSpecial: boolean): string {
  return `left join prices pr on pr.product_id = p.id and pr.price_type_id = ?
    ${withSpecial ? 'left join special_prices sp on sp.product_id = p.id and sp.company_id = ?' : ''}`;
}

type RawListingRow = Omit<ListingRow, 'unit_name' | 'unit_precision'> & { unit_id: number | null };

async function listingRows(
  db: Kysely<DB>,
  viewer: PriceViewer,
  withSpecial: boolean,
  where: string,
  tail: string,
  params: readonly unknown[],
  cached: ListingCached | undefined,
) {
  const head = withSpecial ? [viewer.priceTypeId ?? -1, viewer.companyId ?? -1] : [viewer.priceTypeId ?? -1];
  const { rows } = await db.executeQuery<RawListingRow>(
    CompiledQuery.raw(listingSql(withSpecial, where, tail), [...head, ...params]),
  );
  const units = await unitsById(db, cached);
  const out: ListingRow[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as RawListingRow;
    const unit = row.unit_id === null ? undefined : units.get(row.unit_id);
    out[i] = {
      id: row.id,
      parent_id: row.parent_id,
      sku: row.sku,
      name: row.name,
      variant_name: row.variant_name,
      brand: row.brand,
      unit_name: unit?.name ?? null,
      unit_precision: unit?.precision ?? null,
      stock_total: row.stock_total,
      min_qty: row.min_qty,
      multiple: row.multiple,
      vat_bp: row.vat_bp,
      base_price: row.base_price,
      special_price: row.special_price,
      photo: row.photo,
      is_new: row.is_new,
      is_sale: row.is_sale,
    };
  }
  return out;
}

/** The filter as SQL on alias `p` (after the visibility conditions) and its parameters. */
function filterWhere(filter: ListFilter): { where: string; params: unknown[] } {
  let where = '';
  const params: unknown[] = [];
  const ids = filter.categoryIds;
  if (ids !== undefined) {
    // One category: equality lets SQLite walk the (category_id, hidden, name) index in order.
    if (ids.length === 1) {
      where += ' and p.category_id = ?';
      params.push(ids[0]);
    } else if (ids.length === 0) {
      where += ' and 0';
    } else {
      where += ` and p.category_id in (${ids.map(() => '?').join(', ')})`;
      params.push(...ids);
    }
  }
  if (filter.inStockOnly) where += ' and p.stock_total > 0';
  if (filter.brand) {
    where += ' and p.brand = ?';
    params.push(filter.brand);
  }
  return { where, params };
}

function orderSql(sort: SortKey, withSpecial: boolean): string {
  const price = withSpecial ? 'coalesce(sp.price, pr.price)' : 'pr.price';
  switch (sort) {
    case 'sku':
      return ' order by p.sku_norm, p.id';
    case 'price_asc':
      return ` order by ${price} is null, ${price}, p.name, p.id`;
    case 'price_desc':
      return ` order by ${price} is null, ${price} desc, p.name, p.id`;
    default:
      return ' order by p.name, p.id';
  }
}

/**
 * One page of the listing and the number of products in it. With the cache and the catalog
 * generation (catalog/generation.ts) the count is cached until the catalog changes.
 */
export async function listProducts(
  db: Kysely<DB>,
  viewer: PriceViewer,
  filter: ListFilter,
  limit: number,
  offset: number,
  cached?: ListingCached,
): Promise<{ rows: ListingRow[]; total: number }> {
  const withSpecial = await hasSpecialPrices(db, viewer.companyId, cached);
  const { where, params } = filterWhere(filter);
  const countKey = JSON.stringify([filter.categoryIds ?? null, filter.inStockOnly ?? false, filter.brand ?? '']);
  const total = await through(
    (c) => c.counts,
    cached,
    countKey,
    async () => {
      const { rows } = await db.executeQuery<{ n: number }>(
        CompiledQuery.raw(`select count(*) as n from products p where p.hidden = 0 and p.has_variants = 0${where}`, params),
      );
      return Number(rows[0]?.n ?? 0);
    },
  );
  // The page's ids first, then their rows: OFFSET then skips index entries, not rows with every
  // column, price and photo (page 60 of a category at 100k products: ~3 ms instead of ~20 ms).
  const sort = filter.sort ?? 'name';
  const order = orderSql(sort, withSpecial);
  const byPrice = sort === 'price_asc' || sort === 'price_desc';
  const pageIds = ` and p.id in (select p.id from products p ${byPrice ? priceJoinsSql(withSpecial) : ''}
    where p.hidden = 0 and p.has_variants = 0${where}${order} limit ? offset ?)`;
  const innerPrices = byPrice
    ? withSpecial
      ? [viewer.priceTypeId ?? -1, viewer.companyId ?? -1]
      : [viewer.priceTypeId ?? -1]
    : [];
  const rows = await listingRows(db, viewer, withSpecial, pageIds, order, [...innerPrices, ...params, limit, offset], cached);
  return { rows, total };
}

/** Rows for the given ids, in that order (search results keep their ranking). */
export async function productsByIds(
  db: Kysely<DB>,
  viewer: PriceViewer,
  ids: readonly number[],
  cached?: ListingCached,
): Promise<ListingRow[]> {
  if (ids.length === 0) return [];
  // The ids go in as one JSON parameter: one SQL text (one prepared statement) for any page.
  const rows = await listingRows(
    db,
    viewer,
    await hasSpecialPrices(db, viewer.companyId, cached),
    ' and p.id in (select value from json_each(?))',
    '',
    [JSON.stringify(ids)],
    cached,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is ListingRow => r !== undefined);
}

/** Brands present in the given categories (or the whole catalog), for the filter. */
export async function brandsIn(
  db: Kysely<DB>,
  categoryIds: readonly number[] | undefined,
  cached?: ListingCached,
): Promise<string[]> {
  return through(
    (c) => c.brands,
    cached,
    JSON.stringify(categoryIds ?? null),
    () => queryBrands(db, categoryIds),
  );
}

async function queryBrands(db: Kysely<DB>, categoryIds: readonly number[] | undefined): Promise<string[]> {
  if (categoryIds === undefined) {
    // The whole catalog: DISTINCT on the (brand, hidden) index skips from brand to brand, then one
    // lookup asks whether a brand has a visible product — 0.03 ms at 100k products, where the
    // plain query sorted every visible row (~270 ms, the event loop stalled all the while).
    const { rows } = await sql<{ brand: string }>`
      select b.brand from (select distinct brand from products indexed by products_brand) b
      where b.brand != '' and exists (select 1 from products p where p.brand = b.brand and p.hidden = 0)
      order by b.brand limit 200`.execute(db);
    return rows.map((r) => r.brand);
  }
  let query = db.selectFrom('products').select('brand').distinct().where('hidden', '=', 0).where('brand', '!=', '');
  if (categoryIds !== undefined) query = query.where('category_id', 'in', categoryIds.length ? categoryIds : [-1]);
  const rows = await query.orderBy('brand').limit(200).execute();
  return rows.map((r) => r.brand);
}
