/**
 * Records → rows for the staging tables (statement number + parameters). Runs where the file is
 * parsed (the read worker), so the thread that writes SQLite only runs prepared statements.
 */
import { normalizeSku } from '../sku.js';
import type {
  GroupRecord,
  NamedRecord,
  PriceRecord,
  PriceTypeRecord,
  ProductRecord,
  RecordSink,
  StockRecord,
} from './records.js';

/**
 * A product said twice in one run (import.xml, then offers.xml) merges: what the file gives
 * replaces, what it leaves out (null) stays. An offer's name never replaces the catalog's.
 */
const MERGE_PRODUCT = `
insert into cml_products values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
  deleted = max(deleted, excluded.deleted),
  characteristics = coalesce(excluded.characteristics, characteristics),
  multiple = coalesce(excluded.multiple, multiple),
  min_qty = coalesce(excluded.min_qty, min_qty),
  weight = coalesce(excluded.weight, weight),
  volume = coalesce(excluded.volume, volume),
  country = coalesce(excluded.country, country),
  is_new = coalesce(excluded.is_new, is_new),
  is_sale = coalesce(excluded.is_sale, is_sale),
  visible = coalesce(excluded.visible, visible)`;

const flag = (value: boolean | null | undefined) => (value === true ? 1 : value === false ? 0 : null);

/** Every statement a row may name, by its index. */
export const STAGING_STATEMENTS = [
  'insert or replace into cml_groups values (?, ?, ?, ?, ?)',
  'insert or replace into cml_price_types values (?, ?, ?)',
  'insert or replace into cml_warehouses values (?, ?)',
  'insert or ignore into cml_units values (?, ?, ?)',
  MERGE_PRODUCT,
  'insert into cml_prices values (?, ?, ?, ?)',
  'insert into cml_stock values (?, ?, ?)',
] as const;

const [GROUP, PRICE_TYPE, WAREHOUSE, UNIT, PRODUCT, PRICE, STOCK] = [0, 1, 2, 3, 4, 5, 6] as const;

/** A statement number and its parameters (plain values: they cross threads). */
export type StagingRow = [statement: number, params: unknown[]];

export interface StagingCounts {
  groups: number;
  products: number;
  prices: number;
  stock: number;
}

export class StagingRows implements RecordSink {
  private rows: StagingRow[] = [];
  /** Unit keys already staged in this run (most products share a handful of units). */
  private readonly units = new Set<string>();
  readonly counts: StagingCounts = { groups: 0, products: 0, prices: 0, stock: 0 };
  /** Problems found since the last take(); the reader's line numbers are in them. */
  private warnings: string[] = [];
  /** The file being read, for warnings. */
  file = '';

  group(r: GroupRecord): void {
    this.counts.groups++;
    this.rows.push([GROUP, [r.ext, r.parentExt, r.name, r.deleted ? 1 : 0, r.sort]]);
  }

  priceType(r: PriceTypeRecord): void {
    this.rows.push([PRICE_TYPE, [r.ext, r.name, r.currency ?? null]]);
  }

  warehouse(r: NamedRecord): void {
    this.rows.push([WAREHOUSE, [r.ext, r.name]]);
  }

  product(r: ProductRecord): void {
    this.counts.products++;
    if (r.unit && !this.units.has(r.unit.key)) {
      this.units.add(r.unit.key);
      this.rows.push([UNIT, [r.unit.key, r.unit.name, r.unit.fullName]]);
    }
    this.rows.push([
      PRODUCT,
      [
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
        r.characteristics === null ? null : JSON.stringify(r.characteristics),
        r.multiple ?? null,
        r.minQty ?? null,
        r.weight ?? null,
        r.volume ?? null,
        r.country ?? null,
        flag(r.isNew),
        flag(r.isSale),
        flag(r.visible),
      ],
    ]);
  }

  price(r: PriceRecord): void {
    this.counts.prices++;
    this.rows.push([PRICE, [r.ext, r.priceType, r.price, r.currency ?? null]]);
  }

  stock(r: StockRecord): void {
    this.counts.stock++;
    this.rows.push([STOCK, [r.ext, r.warehouseExt, r.quantity]]);
  }

  warning(line: number, message: string): void {
    this.warnings.push(`${this.file}:${line}: ${message}`);
  }

  /** The rows and warnings gathered since the last call. */
  take(): { rows: StagingRow[]; warnings: string[] } {
    const taken = { rows: this.rows, warnings: this.warnings };
    this.rows = [];
    this.warnings = [];
    return taken;
  }
}
