/**
 * Where a run's records wait until every file of the run is read. They live in TEMP tables of
 * the one SQLite connection: invisible to buyers' pages, gone if the process dies (the run is
 * then lost anyway, and 1C starts over), and never in the WAL of the real database.
 *
 * Records arrive during parsing and are written in one small transaction per chunk, holding
 * Kysely's connection so no other request's transaction can interleave with ours. Prices and
 * stock are appended unindexed (apply reads them once, in order); products are rowid rows with
 * a unique index on Ид: 1C's Ид are random GUIDs, and keeping whole rows in key order
 * (WITHOUT ROWID) made every insert move big rows around — twice as slow.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.js';
import type { Sqlite } from '../../../db/open.js';
import { normalizeSku } from '../../../catalog/sku.js';
import type { CatalogSink } from './catalog-reader.js';
import type { GroupRecord, NamedRecord, PriceRecord, ProductRecord, StockRecord } from './records.js';

const TABLES = `
create temp table if not exists cml_groups (ext text primary key, parent_ext text, name text not null, deleted integer not null, sort integer not null) without rowid;
create temp table if not exists cml_price_types (ext text primary key, name text not null) without rowid;
create temp table if not exists cml_warehouses (ext text primary key, name text not null) without rowid;
create temp table if not exists cml_units (key text primary key, name text not null, full_name text not null) without rowid;
create temp table if not exists cml_products (
  ext text not null unique, parent_ext text, from_offer integer not null,
  sku text, sku_norm text, name text, full_name text, description text, brand text, unit_key text, group_ext text,
  vat_bp integer, variant_name text, barcodes text, properties text, images text, deleted integer not null);
create temp table if not exists cml_prices (ext text not null, price_type text not null, price integer not null);
create temp table if not exists cml_stock (ext text not null, warehouse_ext text not null, quantity real not null);
`;

const TABLE_NAMES = ['cml_groups', 'cml_price_types', 'cml_warehouses', 'cml_units', 'cml_products', 'cml_prices', 'cml_stock'];

/**
 * A product said twice in one run (import.xml, then offers.xml) merges: what the file gives
 * replaces, what it leaves out (null) stays. An offer's name never replaces the catalog's.
 */
const MERGE_PRODUCT = `
insert into cml_products values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
on conflict (ext) do update set
  parent_ext = coalesce(excluded.parent_ext, parent_ext),
  from_offer = min(from_offer, excluded.from_offer),
  sku = case when from_offer = 0 and excluded.from_offer = 1 then coalesce(sku, excluded.sku) else coalesce(excluded.sku, sku) end,
  sku_norm = case when from_offer = 0 and excluded.from_offer = 1 then coalesce(sku_norm, excluded.sku_norm) else coalesce(excluded.sku_norm, sku_norm) end,
  name = case when from_offer = 0 and excluded.from_offer = 1 then coalesce(name, excluded.name) else coalesce(excluded.name, name) end,
  full_name = coalesce(excluded.full_name, full_name),
  description = coalesce(excluded.description, description),
  brand = coalesce(excluded.brand, brand),
  unit_key = coalesce(excluded.unit_key, unit_key),
  group_ext = coalesce(excluded.group_ext, group_ext),
  vat_bp = coalesce(excluded.vat_bp, vat_bp),
  variant_name = coalesce(excluded.variant_name, variant_name),
  barcodes = coalesce(excluded.barcodes, barcodes),
  properties = coalesce(excluded.properties, properties),
  images = coalesce(excluded.images, images),
  deleted = max(deleted, excluded.deleted)`;

type Pending = { sql: string; params: unknown[] };

/** Buffers records and writes them to the temp tables in batches. */
export class Staging implements CatalogSink {
  private pending: Pending[] = [];
  private readonly prepared = new Map<string, ReturnType<Sqlite['prepare']>>();
  /** Unit keys already staged in this run (most products share a handful of units). */
  private readonly units = new Set<string>();
  readonly warnings: string[] = [];
  warningCount = 0;
  readonly counts = { groups: 0, products: 0, prices: 0, stock: 0 };
  /** The file being read, for warnings. */
  file = '';

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sqlite: Sqlite,
  ) {}

  /** Creates empty staging tables; a previous run's leftovers are dropped. */
  async reset(): Promise<void> {
    await this.exclusive(() => {
      this.sqlite.exec(TABLE_NAMES.map((t) => `drop table if exists temp.${t};`).join('\n'));
      this.sqlite.exec(TABLES);
    });
    this.prepared.clear();
    this.units.clear();
    this.pending = [];
  }

  async drop(): Promise<void> {
    this.prepared.clear();
    this.units.clear();
    await this.exclusive(() => this.sqlite.exec(TABLE_NAMES.map((t) => `drop table if exists temp.${t};`).join('\n')));
  }

  group(r: GroupRecord): void {
    this.counts.groups++;
    this.push(
      'insert or replace into cml_groups values (?, ?, ?, ?, ?)',
      [r.ext, r.parentExt, r.name, r.deleted ? 1 : 0, r.sort],
    );
  }

  priceType(r: NamedRecord): void {
    this.push('insert or replace into cml_price_types values (?, ?)', [r.ext, r.name]);
  }

  warehouse(r: NamedRecord): void {
    this.push('insert or replace into cml_warehouses values (?, ?)', [r.ext, r.name]);
  }

  product(r: ProductRecord): void {
    this.counts.products++;
    if (r.unit && !this.units.has(r.unit.key)) {
      this.units.add(r.unit.key);
      this.push('insert or ignore into cml_units values (?, ?, ?)', [r.unit.key, r.unit.name, r.unit.fullName]);
    }
    this.push(MERGE_PRODUCT, [
      r.ext,
      r.parentExt,
      r.source === 'offer' ? 1 : 0,
      r.sku,
      r.sku === null ? null : normalizeSku(r.sku),
      r.name,
      r.fullName,
      r.description,
      r.brand,
      r.unit?.key ?? null,
      r.groupExt,
      r.vatBp,
      r.variantName,
      r.barcodes === null ? null : JSON.stringify(r.barcodes),
      r.properties === null ? null : JSON.stringify(r.properties),
      r.images === null ? null : JSON.stringify(r.images),
      r.deleted ? 1 : 0,
    ]);
  }

  price(r: PriceRecord): void {
    this.counts.prices++;
    this.push('insert into cml_prices values (?, ?, ?)', [r.ext, r.priceType, r.price]);
  }

  stock(r: StockRecord): void {
    this.counts.stock++;
    this.push('insert into cml_stock values (?, ?, ?)', [r.ext, r.warehouseExt, r.quantity]);
  }

  warning(line: number, message: string): void {
    this.note(`${this.file}:${line}: ${message}`);
  }

  /** A problem worth telling the admin; the first 20 are kept word for word. */
  note(message: string): void {
    this.warningCount++;
    if (this.warnings.length < 20) this.warnings.push(message);
  }

  /** Writes what is buffered, in one transaction. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    await this.exclusive(() => {
      this.sqlite.transaction(() => {
        for (const { sql, params } of batch) {
          let statement = this.prepared.get(sql);
          if (!statement) {
            statement = this.sqlite.prepare(sql);
            this.prepared.set(sql, statement);
          }
          statement.run(params);
        }
      })();
    });
  }

  private push(sql: string, params: unknown[]): void {
    this.pending.push({ sql, params });
  }

  /** Runs raw statements while holding Kysely's only connection. */
  private async exclusive(fn: () => void): Promise<void> {
    await this.db.connection().execute(async () => fn());
  }
}
