import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { type Doc, type DocSource, type IndexStats, MemoryIndex, makeDoc } from './memory.js';

/*
 * Keeps one MemoryIndex per database current:
 *   - built on the first search (and rebuilt after reindexProducts(db) of everything, or when the
 *     overlay of changed products outgrows OVERLAY_MAX);
 *   - reindexProducts(db, ids) only notes the ids; the next search re-reads those products and
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
/** Rows per read when patching. */
const READ_BATCH = 1000;

interface SourceRow {
  id: number;
  sku_norm: string;
  name: string;
  variant_name: string;
  brand: string;
  category_id: number | null;
  stock_total: number;
  hidden: number;
  has_variants: number;
  updated_at: number;
}

function idList(text: string | null): number[] {
  return text ? text.split(',').map(Number) : [];
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
  async ready(db: Kysely<DB>): Promise<MemoryIndex> {
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

  private async build(db: Kysely<DB>): Promise<void> {
    const started = performance.now();
    this.rebuild = false;
    this.pending.clear();
    this.seenUpdated.clear();
    this.checkedAt = Date.now();
    this.scanFrom = -1;
    this.again = false;
    const docs: Doc[] = [];
    let maxId = 0;
    let maxUpdated = 0;
    await db.transaction().execute(async (trx) => {
      this.gate = await this.gateValue(trx);
      const barcodes = new Map<number, string[]>();
      const codes = await sql<{ product_id: number; barcode: string }>`select product_id, barcode from product_barcodes`.execute(trx);
      for (const { product_id: id, barcode } of codes.rows) {
        const list = barcodes.get(id);
        if (list === undefined) barcodes.set(id, [barcode]);
        else list.push(barcode);
      }
      // NOT INDEXED: one pass over the table; the planner would walk the index on `hidden` instead.
      const { rows } = await sql<SourceRow>`
        select id, sku_norm, name, variant_name, brand, category_id, stock_total, hidden, has_variants, updated_at
        from products not indexed`.execute(trx);
      for (const row of rows) {
        if (row.id > maxId) maxId = row.id;
        if (row.updated_at > maxUpdated) maxUpdated = row.updated_at;
        if (row.hidden !== 0 || row.has_variants !== 0) continue;
        docs.push(makeDoc({ ...row, barcodes: barcodes.get(row.id) ?? [] }));
      }
    });
    this.index = new MemoryIndex(docs);
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
      const barcodes = row.barcodes ? (JSON.parse(row.barcodes) as unknown[]).map(String) : [];
      const source: DocSource = { ...row, barcodes };
      index.apply(id, makeDoc(source));
    }
    if (index.overlaySize > OVERLAY_MAX) this.changed();
  }
}

const byDatabase = new WeakMap<Kysely<DB>, LiveIndex>();
/** Every LiveIndex, for writes made through a transaction (which cannot tell whose database it is). */
const everyIndex = new Set<WeakRef<LiveIndex>>();

/** The LiveIndex of a database (not of a transaction). */
export function liveIndexOf(db: Kysely<DB>): LiveIndex {
  let live = byDatabase.get(db);
  if (live === undefined) {
    live = new LiveIndex();
    byDatabase.set(db, live);
    everyIndex.add(new WeakRef(live));
  }
  return live;
}

/**
 * Tells the index of `db` that these products (all when omitted) changed. Inside a transaction
 * every index is told (a transaction cannot tell whose database it is): re-reading a product
 * another database does not have is harmless.
 */
export function productsChanged(db: Kysely<DB>, ids?: readonly number[]): void {
  if (!db.isTransaction) {
    byDatabase.get(db)?.changed(ids);
    return;
  }
  for (const ref of everyIndex) {
    const live = ref.deref();
    if (live === undefined) everyIndex.delete(ref);
    else live.changed(ids);
  }
}
