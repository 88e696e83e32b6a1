import { changeCounter, type DataVersionReading } from '../db/change-counter.js';
import type { Database } from '../db/open.js';

type Connection = Pick<Database, 'sqlite' | 'statements'>;

/**
 * Every table whose rows can change what a catalog page shows: products and their visibility,
 * prices of every kind, stock, photos, categories, units, barcodes (search).
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
] as const;

const counterOf = (database: Connection) => changeCounter(database, 'catalog', CATALOG_TABLES);

/**
 * The catalog generation: caches of catalog pages, counts and brand lists are valid only while it
 * stays the same. Writes to the catalog tables move it by themselves, on this connection (temp
 * triggers) and on any other (data_version); see db/change-counter.ts. Null while it cannot be
 * told (first use inside a transaction): do not cache then. `dataVersion`: see ChangeCounter.current.
 */
export function catalogGeneration(database: Connection, dataVersion?: DataVersionReading): number | null {
  return counterOf(database).current(dataVersion);
}

/**
 * Drops every cached catalog page of this database. Writes to the catalog tables already do this
 * on their own; an importer calls it after changing anything else a page shows (photo files
 * replaced under the same name, for instance), and may call it after an import to be explicit.
 */
export function bumpCatalogGeneration(database: Connection): void {
  counterOf(database).bump();
}
