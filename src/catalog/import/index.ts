/**
 * One catalog importer, several readers (1C CommerceML today; MoySklad and spreadsheets next).
 *
 * A reader never writes the catalog itself. It turns its source into the source-neutral records
 * of records.ts, keyed by the source's external ids (1C Ид today in `external_1c_id`; room is
 * left for `external_ms_id` and a spreadsheet source keyed by SKU), and:
 *
 *   0. `ctx.importGate.run('<reader>', async () => …)` around steps 1–4 (gate.ts): the staging
 *      tables are one connection's, so only one reader may use them at a time.
 *   1. `const staging = new Staging(ctx.db, ctx.database.sqlite); await staging.reset();`
 *      — empty TEMP tables on the one connection (only one import may stage at a time).
 *   2. `const rows = new StagingRows();` is a `RecordSink`: call `rows.group/priceType/
 *      warehouse/product/price/stock(record)` for what was read, then
 *      `await staging.write(rows.take().rows)` batch by batch (the rows may be built on a worker).
 *   3. `await applyStaged(ctx.db, ctx.searchIndex, settings, coverage, now)` switches the
 *      catalog to the staged state in ONE transaction and returns the counts
 *      (created/updated/hidden, prices/stock changed). Every write is guarded by "is it
 *      different?", so an identical re-run changes nothing.
 *   4. `await staging.drop()` in a finally.
 *
 * `applyStaged(..., { dryRun: true })` counts and rolls back (a dry-run report);
 * `{ prepare: async (trx) => … }` runs first in the same transaction (e.g. adopting keys).
 *
 * Options, through `coverage` (records.ts `Coverage`):
 *   - partial update: `{ groups: false, products: false, offers: false }` — only what was
 *     staged changes; fields left null keep their stored value.
 *   - hide absent: set `products: true` (and `groups`/`offers`) — the staged set is the whole
 *     catalog, so products/categories/offers of that source not staged are hidden.
 *
 * Run history: each run is a row in `exchange_runs` (today written by the 1C exchange,
 * src/integrations/commerceml/exchange/service.ts); other readers add their own rows there.
 */

export { ImportBusyError, ImportGate, type ImportReader } from './gate.js';
export {
  type Coverage,
  type GroupRecord,
  type NamedRecord,
  type PriceRecord,
  type PriceTypeRecord,
  type ProductRecord,
  productKeyOnly,
  type RecordSink,
  type StockRecord,
  TOTAL_STOCK,
  type UnitRecord,
} from './records.js';
export { Staging } from './staging.js';
export { STAGING_STATEMENTS, type StagingCounts, type StagingRow, StagingRows } from './staging-rows.js';
export { type ApplyCounts, type ApplyResult, applyStaged, type IdColumn, type SwitchOptions } from './switch.js';
