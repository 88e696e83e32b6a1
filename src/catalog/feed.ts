import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { type FeedUnit, hasSpecialPrices, type ListingCached } from './listing.js';
import type { LiveIndex } from './search/live.js';
import { searchProductIds } from './search.js';
import type { PriceViewer } from './viewer.js';

/**
 * The catalog as a buyer's system reads it through the API: pages chained by a cursor (stable
 * while the catalog changes underneath, unlike page numbers), at one company's prices. Three
 * orders, one per kind of question:
 *   - by id: the whole catalog, or a filtered part of it;
 *   - by change time (updated_since): what changed since the last sync, products taken off sale
 *     included (available = false), so a sync can drop them;
 *   - by relevance (q): the portal's own search, paged by position.
 */

export interface FeedFilter {
  /** Normalized SKUs (catalog/sku.ts); any of them. */
  skuNorms?: readonly string[];
  /** Normalized barcode. */
  barcode?: string;
  categoryIds?: readonly number[];
  inStockOnly?: boolean;
  /** Milliseconds; with it the feed runs in change order and includes products taken off sale. */
  updatedSince?: number;
  query?: string;
}

export type FeedCursor =
  | { kind: 'id'; id: number }
  | { kind: 'changed'; at: number; id: number }
  | { kind: 'search'; offset: number };

export interface FeedRow {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  brand: string;
  category_id: number | null;
  unit_id: number | null;
  stock_total: number;
  min_qty: number;
  multiple: number;
  vat_bp: number | null;
  hidden: number;
  base_price: number | null;
  special_price: number | null;
  /** JSON array of barcodes. */
  barcodes: string;
  /** The later of the product's own change and the last noticed price/stock change (catalog/changes.ts). */
  updated_at: number;
  changed_at: number | null;
}

function columns(withSpecial: boolean): string {
  return `p.id, p.sku, p.name, p.variant_name, p.brand, p.category_id, p.unit_id, p.stock_total, p.min_qty, p.multiple,
    p.vat_bp, p.hidden, pr.price as base_price, ${withSpecial ? 'sp.price' : 'null'} as special_price,
    (select json_group_array(b.barcode) from (select barcode from product_barcodes where product_id = p.id order by barcode) b) as barcodes,
    max(p.updated_at, ifnull(ch.changed_at, 0)) as updated_at, ch.changed_at`;
}

function joins(withSpecial: boolean): string {
  return `left join prices pr on pr.product_id = p.id and pr.price_type_id = ?
    ${withSpecial ? 'left join special_prices sp on sp.product_id = p.id and sp.company_id = ?' : ''}`;
}

/** The filter as SQL on `p`; the values go in as parameters (JSON for lists: one SQL text for any length). */
function filterSql(filter: FeedFilter): { where: string; params: unknown[] } {
  let where = '';
  const params: unknown[] = [];
  if (filter.skuNorms !== undefined) {
    where += ' and p.sku_norm in (select value from json_each(?))';
    params.push(JSON.stringify(filter.skuNorms));
  }
  if (filter.barcode !== undefined) {
    where += ' and p.id in (select product_id from product_barcodes where barcode = ?)';
    params.push(filter.barcode);
  }
  if (filter.categoryIds !== undefined) {
    where += ' and p.category_id in (select value from json_each(?))';
    params.push(JSON.stringify(filter.categoryIds));
  }
  if (filter.inStockOnly) where += ' and p.stock_total > 0';
  return { where, params };
}

export interface FeedPage {
  rows: FeedRow[];
  next: FeedCursor | null;
}

/** One page of the feed, `limit` rows at most, after `cursor` (null: from the start). */
export async function feedPage(
  db: Kysely<DB>,
  viewer: PriceViewer,
  filter: FeedFilter,
  cursor: FeedCursor | null,
  limit: number,
  index: LiveIndex | null,
  cached?: ListingCached,
): Promise<FeedPage> {
  const withSpecial = await hasSpecialPrices(db, viewer.companyId, cached);
  const prices = withSpecial ? [viewer.priceTypeId ?? -1, viewer.companyId ?? -1] : [viewer.priceTypeId ?? -1];
  const { where, params } = filterSql(filter);

  if (filter.query !== undefined) {
    const offset = cursor?.kind === 'search' ? cursor.offset : 0;
    const found = await searchProductIds(
      db,
      index,
      filter.query,
      {
        ...(filter.categoryIds ? { categoryIds: filter.categoryIds } : {}),
        ...(filter.inStockOnly ? { inStockOnly: true } : {}),
      },
      limit,
      offset,
    );
    const rows = await run(
      db,
      `select ${columns(withSpecial)} from json_each(?) j cross join products p on p.id = j.value ${joins(withSpecial)}
        left join api_product_changes ch on ch.product_id = p.id
        where p.hidden = 0 and p.has_variants = 0${where} order by j.key`,
      [JSON.stringify(found.ids), ...prices, ...params],
    );
    const more = found.ids.length === limit && offset + limit < found.total;
    return { rows, next: more ? { kind: 'search', offset: offset + limit } : null };
  }

  if (filter.updatedSince !== undefined) {
    const after = cursor?.kind === 'changed' ? [cursor.at, cursor.id] : [filter.updatedSince, 0];
    const rows = await run(
      db,
      `select ${columns(withSpecial)} from api_product_changes ch cross join products p on p.id = ch.product_id ${joins(withSpecial)}
        where ch.changed_at >= ? and (ch.changed_at, ch.product_id) > (?, ?) and p.has_variants = 0${where}
        order by ch.changed_at, ch.product_id limit ?`,
      [...prices, filter.updatedSince, ...after, ...params, limit],
    );
    const last = rows.at(-1);
    return { rows, next: rows.length === limit && last ? { kind: 'changed', at: last.changed_at ?? 0, id: last.id } : null };
  }

  const afterId = cursor?.kind === 'id' ? cursor.id : 0;
  const rows = await run(
    db,
    `select ${columns(withSpecial)} from products p ${joins(withSpecial)}
      left join api_product_changes ch on ch.product_id = p.id
      where p.id > ? and p.hidden = 0 and p.has_variants = 0${where} order by p.id limit ?`,
    [...prices, afterId, ...params, limit],
  );
  const last = rows.at(-1);
  return { rows, next: rows.length === limit && last ? { kind: 'id', id: last.id } : null };
}

/** One sellable product by its exact SKU (or, failing that, its normalized SKU), or null. */
export async function feedProductBySku(
  db: Kysely<DB>,
  viewer: PriceViewer,
  sku: string,
  skuNorm: string,
  cached?: ListingCached,
): Promise<FeedRow[]> {
  const withSpecial = await hasSpecialPrices(db, viewer.companyId, cached);
  const prices = withSpecial ? [viewer.priceTypeId ?? -1, viewer.companyId ?? -1] : [viewer.priceTypeId ?? -1];
  const rows = await run(
    db,
    `select ${columns(withSpecial)} from products p ${joins(withSpecial)}
      left join api_product_changes ch on ch.product_id = p.id
      where p.sku_norm = ? and p.hidden = 0 and p.has_variants = 0 order by p.id limit 20`,
    [...prices, skuNorm],
  );
  const exact = rows.filter((r) => r.sku === sku);
  return exact.length > 0 ? exact : rows;
}

async function run(db: Kysely<DB>, text: string, params: readonly unknown[]): Promise<FeedRow[]> {
  const { rows } = await db.executeQuery<FeedRow>(CompiledQuery.raw(text, [...params]));
  return rows;
}

/** Units are a handful of rows: read once per catalog generation. */
export async function feedUnits(db: Kysely<DB>, cached?: ListingCached): Promise<Map<number, FeedUnit>> {
  const read = async () =>
    new Map((await db.selectFrom('units').select(['id', 'name', 'code', 'precision']).execute()).map((u) => [u.id, u]));
  return cached === undefined ? read() : cached.cache.feedUnits.get('all', read, cached.generation);
}
