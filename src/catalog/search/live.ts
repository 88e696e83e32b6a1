import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { emptyColumns } from './columns.js';
import { type DocSource, docBarcode, docText, makeDoc } from './doc.js';
import { type IndexStats, MemoryIndex } from './memory.js';

/*
 * Keeps the process's MemoryIndex (ctx.searchIndex) of its database current:
 *   - built on the first search (and rebuilt after reindexProducts() of everything, or when the
 *     overlay of changed products outgrows OVERLAY_MAX);
 *   - reindexProducts(index, db, ids) only notes the ids; the next search re-reads those products and
 *     patches the index. Reading them then, outside the writer's transaction, sees exactly what
 *     was committed (nothing, after a rollback);
 *   - a safety net for writes that forgot to reindex, and for stock (which changes without one):
 *     at most once a second, and only when this connection (total_changes) or another one
 *     (data_version) has written anything since the last look, products with an id above the
 *     highest seen are read at once (a rowid range: microseconds), and a rolling scan reads the
 *     next SLICE_IDS ids of the table: products updated since the build (updated_at) are
 *     re-read, and the stock hint of the slice is refreshed. A full scan costs ~25-35 ms at 100k
 *     products, which would stall every request once a second while anyone writes anything; a
 *     slice costs ~5 ms, so an update without a reindex, or a product coming into stock, reaches
 *     search within n / SLICE_IDS seconds (~12 s at 100k; 1 s up to 8k products).
 * Whatever the index says, every product shown is confirmed by SQL first (search.ts): one
 * hidden, deleted, moved or sold out a moment ago is dropped, and re-read here.
 */

/** Changed products kept beside the index before it is rebuilt (each costs every query ~0.1 µs). */
const OVERLAY_MAX = 2000;
const STALE_CHECK_MS = 1000;
/** Ids per slice of the rolling scan. */
const SLICE_IDS = 8192;
/** Rows per read when patching, and when building. */
const READ_BATCH = 1000;
const BUILD_BATCH = 2500;

function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface SourceRow extends DocSource {
  hidden: number;
  has_variants: number;
  updated_at: number;
}

function idList(text: string | null): number[] {
  return text ? text.split(',').map(Number) : [];
}

/** A comma-separated list of ids (a group_concat), parsed without a string per id. */
function parseIds(text: string | null): Int32Array {
  if (!text) return new Int32Array(0);
  let count = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) count++;
  const ids = new Int32Array(count);
  let k = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      ids[k++] = value;
      value = 0;
    } else value = value * 10 + (c - 48);
  }
  ids[k] = value;
  return ids;
}

/** The single value of a one-row query. */
async function one(db: Kysely<DB>, query: RawBuilder<unknown>): Promise<string | null> {
  const { rows } = await (query as RawBuilder<{ v: string | null }>).execute(db);
  return rows[0]?.v ?? null;
}

/** Rank by product id: an array when the ids are dense enough, else a map. */
class RankOf {
  private readonly array: Int32Array | null;
  private readonly map: Map<number, number> | null;

  constructor(byRank: Int32Array) {
    const max = byRank.reduce((a, b) => Math.max(a, b), 0);
    this.array = max <= 4 * byRank.length + 65_536 ? new Int32Array(max + 1).fill(-1) : null;
    this.map = this.array === null ? new Map() : null;
    for (let r = 0; r < byRank.length; r++) {
      if (this.array !== null) this.array[byRank[r] as number] = r;
      else this.map?.set(byRank[r] as number, r);
    }
  }

  get(id: number): number {
    if (this.array !== null) return id >= 0 && id < this.array.length ? (this.array[id] as number) : -1;
    return this.map?.get(id) ?? -1;
  }
}

export class LiveIndex {
  private index: MemoryIndex | null = null;
  private rebuild = true;
  private readonly pending = new Set<number>();
  private work: Promise<void> | null = null;
  private checkedAt = 0;
  private gate = '';
  /** The highest product id seen. */
  private maxId = 0;
  /** max(updated_at) when built. */
  private builtUpdated = 0;
  /** updated_at of the products re-read since. */
  private readonly seenUpdated = new Map<number, number>();
  /** Where the rolling scan goes on (ids above this), or -1 when idle; `again`: start over when done. */
  private scanFrom = -1;
  private again = false;
  /** Milliseconds the last build took. */
  lastBuildMs = 0;

  /** `db`: the database itself, never a transaction (the index holds what is committed). */
  constructor(private readonly db: Kysely<DB>) {}

  /** Size and build time of the index, if built. */
  info(): { buildMs: number; overlay: number; stats: IndexStats } | null {
    return this.index === null ? null : { buildMs: this.lastBuildMs, overlay: this.index.overlaySize, stats: this.index.stats() };
  }

  /** Products changed (all of them when `ids` is omitted): the next search re-reads them. */
  changed(ids?: readonly number[]): void {
    if (ids === undefined) {
      this.rebuild = true;
      this.pending.clear();
      return;
    }
    if (this.rebuild) return;
    for (const id of ids) if (Number.isSafeInteger(id)) this.pending.add(id);
    if (this.pending.size + (this.index?.overlaySize ?? 0) > OVERLAY_MAX) this.changed();
  }

  /** The index, current as of now (building, patching or checking first as needed). */
  async ready(): Promise<MemoryIndex> {
    const db = this.db;
    for (;;) {
      if (this.work !== null) {
        await this.work;
        continue;
      }
      let step: (() => Promise<void>) | null = null;
      if (this.index === null || this.rebuild) step = () => this.build(db);
      else if (Date.now() - this.checkedAt >= STALE_CHECK_MS) step = () => this.checkStale(db);
      else if (this.pending.size > 0) step = () => this.patch(db);
      if (step === null) return this.index as MemoryIndex;
      this.work = step().finally(() => {
        this.work = null;
      });
    }
  }

  private async gateValue(db: Kysely<DB>): Promise<string> {
    const { rows } = await sql<{ c: number; v: number }>`
      select total_changes() as c, (select data_version from pragma_data_version) as v`.execute(db);
    return `${rows[0]?.c}/${rows[0]?.v}`;
  }

  /**
   * Reads the catalog in batches, yielding to other requests between them (no transaction: a
   * write landing meanwhile is caught like any other, by reindexProducts or the checks above).
   * Ranks are positions in SQLite's name order; each product row is written straight into its
   * rank's slot of the columns. Lists of ids come as one group_concat string each, not as 100k
   * row objects: the build leaves little garbage behind for the collector.
   */
  private async build(db: Kysely<DB>): Promise<void> {
    const started = performance.now();
    this.rebuild = false;
    this.pending.clear();
    this.seenUpdated.clear();
    this.checkedAt = Date.now();
    this.scanFrom = -1;
    this.again = false;
    this.gate = await this.gateValue(db);

    // ORDER BY inside the aggregate: the order the concatenation follows (checked nowhere else).
    const byName = parseIds(
      await one(
        db,
        sql`select group_concat(id, ',' order by name, id) as v from products indexed by products_name where hidden = 0`,
      ),
    );
    const n = byName.length;
    const columns = emptyColumns(n);
    const rankOf = new RankOf(byName);
    columns.ids.set(byName);
    await yieldToOthers();
    // SQLite's SKU and barcode orders (the index checks them, and sorts itself if they are wrong).
    for (const id of parseIds(
      await one(
        db,
        sql`select group_concat(id) as v from (select id from products indexed by products_sku_norm order by sku_norm, id)`,
      ),
    )) {
      const r = rankOf.get(id);
      if (r >= 0) columns.skuOrder.push(r);
    }
    const codes = await one(
      db,
      sql`select group_concat(product_id || char(31) || barcode, char(30)) as v
        from (select product_id, barcode from product_barcodes order by barcode, product_id)`,
    );
    for (let at = 0; codes !== null && at < codes.length; ) {
      const unit = codes.indexOf('\x1f', at);
      let end = codes.indexOf('\x1e', unit);
      if (end < 0) end = codes.length;
      const r = rankOf.get(Number(codes.slice(at, unit)));
      const key = docBarcode(codes.slice(unit + 1, end));
      if (r >= 0 && key !== '') {
        columns.barcodeKeys.push(key);
        columns.barcodeRanks.push(r);
      }
      at = end + 1;
    }
    await yieldToOthers();

    let maxId = 0;
    let maxUpdated = 0;
    for (;;) {
      const { rows } = await sql<SourceRow>`
        select id, sku_norm, name, variant_name, brand, category_id, stock_total, hidden, has_variants, updated_at
        from products where id > ${maxId} order by id limit ${BUILD_BATCH}`.execute(db);
      for (const row of rows) {
        if (row.updated_at > maxUpdated) maxUpdated = row.updated_at;
        const sellable = row.hidden === 0 && row.has_variants === 0;
        const r = rankOf.get(row.id);
        if (r < 0) {
          // Written after the name order was read: patched in after the build.
          if (sellable) this.pending.add(row.id);
          continue;
        }
        columns.idOrder.push(r);
        if (!sellable) continue;
        columns.present[r] = 1;
        columns.texts[r] = docText(row.name, row.variant_name, row.brand);
        columns.skus[r] = row.sku_norm;
        columns.categories[r] = row.category_id ?? -1;
        columns.brands[r] = row.brand;
        columns.stocked[r] = row.stock_total > 0 ? 1 : 0;
      }
      const last = rows.at(-1);
      if (last === undefined) break;
      maxId = last.id;
      await yieldToOthers();
    }
    this.index = new MemoryIndex(columns);
    this.maxId = maxId;
    this.builtUpdated = maxUpdated;
    this.lastBuildMs = performance.now() - started;
  }

  private async checkStale(db: Kysely<DB>): Promise<void> {
    const index = this.index;
    if (index === null) return;
    this.checkedAt = Date.now();
    const gate = await this.gateValue(db);
    if (gate !== this.gate) {
      this.gate = gate;
      const added = await sql<{ id: number }>`select id from products where id > ${this.maxId}`.execute(db);
      for (const { id } of added.rows) if (id > this.maxId) this.maxId = id;
      this.changed(added.rows.map((r) => r.id));
      if (this.scanFrom < 0) this.scanFrom = 0;
      else this.again = true;
    }
    if (this.scanFrom < 0) return;
    const from = this.scanFrom;
    const to = from + SLICE_IDS;
    const { rows } = await sql<{ changed: string | null; stocked: string | null }>`
      select group_concat(case when updated_at > ${this.builtUpdated} then id || ':' || updated_at end) as changed,
        group_concat(case when stock_total > 0 then id end) as stocked
      from products where id > ${from} and id <= ${to}`.execute(db);
    if (this.index !== index) return; // rebuilt meanwhile
    const row = rows[0];
    index.setStock(from, to, new Set(idList(row?.stocked ?? null)));
    const stale: number[] = [];
    for (const pair of row?.changed ? row.changed.split(',') : []) {
      const [id, updated] = pair.split(':').map(Number) as [number, number];
      if (this.seenUpdated.get(id) !== updated) stale.push(id);
    }
    this.changed(stale);
    if (to < this.maxId) this.scanFrom = to;
    else if (this.again) {
      this.scanFrom = 0;
      this.again = false;
    } else this.scanFrom = -1;
  }

  private async patch(db: Kysely<DB>): Promise<void> {
    const index = this.index;
    if (index === null) return;
    const ids = [...this.pending].slice(0, READ_BATCH);
    for (const id of ids) this.pending.delete(id);
    const { rows } = await sql<SourceRow & { barcodes: string | null }>`
      select p.id, p.sku_norm, p.name, p.variant_name, p.brand, p.category_id, p.stock_total, p.hidden, p.has_variants,
        p.updated_at, (select json_group_array(b.barcode) from product_barcodes b where b.product_id = p.id) as barcodes
      from json_each(${JSON.stringify(ids)}) j cross join products p on p.id = j.value`.execute(db);
    if (this.index !== index) return; // rebuilt meanwhile
    const found = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const row = found.get(id);
      if (row !== undefined) this.seenUpdated.set(id, row.updated_at);
      if (row === undefined || row.hidden !== 0 || row.has_variants !== 0) {
        index.apply(id, null);
        continue;
      }
      index.apply(id, makeDoc(row, row.barcodes ? (JSON.parse(row.barcodes) as unknown[]).map(String) : []));
    }
    if (index.overlaySize > OVERLAY_MAX) this.changed();
  }
}
