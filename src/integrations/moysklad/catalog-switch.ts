/**
 * The thin adapter between MoySklad's reader and the one catalog importer (src/catalog/import):
 * the reader hands over source-neutral records, they wait in the staging tables, and apply()
 * switches the catalog in ONE transaction with MoySklad's own id column (external_ms_id).
 */

import {
  type ApplyCounts,
  applyStaged,
  type Coverage,
  type GroupRecord,
  type IdColumn,
  type NamedRecord,
  type PriceRecord,
  type PriceTypeRecord,
  type ProductRecord,
  Staging,
  StagingRows,
  type StockRecord,
} from '../../catalog/import/index.js';
import type { AppContext } from '../../context.js';

export interface SwitchSettings {
  idColumn: IdColumn;
  /** Staged price type names to take; empty: all. */
  priceTypes: readonly string[];
  defaultPriceType: string;
  fractionalUnits: readonly string[];
}

export class CatalogSwitch {
  private readonly staging: Staging;
  private readonly rows = new StagingRows();

  constructor(
    private readonly ctx: AppContext,
    private readonly settings: SwitchSettings,
  ) {
    this.staging = new Staging(ctx.db, ctx.database.sqlite);
  }

  get staged() {
    return this.rows.counts;
  }

  async start(): Promise<void> {
    await this.staging.reset();
  }

  group(r: GroupRecord): void {
    this.rows.group(r);
  }
  priceType(r: PriceTypeRecord): void {
    this.rows.priceType(r);
  }
  warehouse(r: NamedRecord): void {
    this.rows.warehouse(r);
  }
  product(r: ProductRecord): void {
    this.rows.product(r);
  }
  price(r: PriceRecord): void {
    this.rows.price(r);
  }
  stock(r: StockRecord): void {
    this.rows.stock(r);
  }
  /** A value that could not be read; the sync goes on and the run says so. */
  warning(message: string): void {
    this.rows.warning(0, message);
  }

  /** Problems with single values, as the run reports them (the first few word for word). */
  readonly warnings: string[] = [];

  /** Writes what was handed over since the last flush to the staging tables. */
  async flush(): Promise<void> {
    const { rows, warnings } = this.rows.take();
    this.warnings.push(...warnings.map((w) => w.replace(/^:0: /, '')));
    await this.staging.write(rows);
  }

  /** The switch: one transaction; `coverage` says which parts were read whole (what is missing from them is hidden). */
  async apply(coverage: Coverage): Promise<ApplyCounts> {
    await this.flush();
    const { config, clock } = this.ctx;
    return (
      await applyStaged(
        this.ctx.db,
        this.ctx.searchIndex,
        { ...this.settings, stockWarehouses: config.catalog.stockWarehouses },
        coverage,
        clock.now(),
      )
    ).counts;
  }

  async close(): Promise<void> {
    await this.staging.drop();
  }
}
