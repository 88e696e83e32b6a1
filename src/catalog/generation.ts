import { ChangeCounter, type Connection } from '../db/change-counter.js';

/**
 * Every table whose rows can change what a catalog page shows: products and their visibility,
 * prices of every kind, stock, photos, categories, units, barcodes (search), variant characteristics (grids).
 */
const CATALOG_TABLES = [
  'products',
  'prices',
  'price_types',
  'special_prices',
  'stock',
  'warehouses',
  'product_photos',
  'product_barcodes',
  'categories',
  'units',
  'product_characteristics',
] as const;

/**
 * The catalog generation (ctx.catalogGeneration): caches of catalog pages, counts and brand
 * lists are valid only while it stays the same. Writes to the catalog tables move it by
 * themselves, on this connection (temp triggers) and on any other (data_version); see
 * db/change-counter.ts. `current()` is null while it cannot be told (first use inside a
 * transaction): do not cache then. `bump()` drops every cached catalog page: for changes
 * SQLite cannot see (photo files replaced under the same name); an importer may call it after
 * an import to be explicit, though its writes already moved the generation.
 */
export function catalogChangeCounter(database: Connection): ChangeCounter {
  return new ChangeCounter(database, 'catalog', CATALOG_TABLES);
}
