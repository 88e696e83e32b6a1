import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.js';
import { normalizeBarcode, normalizeSku } from '../sku.js';
import type { SearchFilter } from './filter.js';
import { chars, containsGlob, searchFold, type Term, TRIGRAM } from './terms.js';

/*
 * The contentless trigram FTS5 table products_fts(sku, barcodes, name), rowid = products.id
 * (migrations/0002_catalog.ts). It holds folded text only:
 *   sku      = normalizeSku(products.sku)
 *   barcodes = normalizeBarcode(each barcode), space-separated
 *   name     = searchFold(name + variant_name + brand)
 * Ordinary searches are answered from the in-memory index (memory.ts); this table answers the
 * searches made inside a transaction, which must see that transaction's own writes.
 */

/**
 * Bounded work, so that no FTS search costs more than a few tens of milliseconds at 100k products:
 *
 * FTS_ROWS: FTS matches ranked per query. FTS5 yields matches in rowid order, so the first
 * FTS_ROWS matches (by product id) are ranked by bm25, joined and filtered, the rest never read.
 *
 * SCAN_ROWS: rows read by the short-word scan. When every word is shorter than a trigram the
 * FTS index cannot help; such a query scans at most SCAN_ROWS sellable products in index order.
 */
const FTS_ROWS = 10_000;
const SCAN_ROWS = 20_000;
/** bm25 column weights for (sku, barcodes, name). */
const BM25_WEIGHTS = sql.raw('10.0, 10.0, 1.0');
/** Rows per multi-row INSERT into products_fts (4 parameters each, far below SQLite's limit). */
const INSERT_BATCH = 500;
const READ_BATCH = 5000;

// ---------------------------------------------------------------------------------------------
// Indexing

interface IndexSource {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  brand: string;
  /** JSON array of the product's barcodes. */
  barcodes: string | null;
}

/** Rebuilds the FTS rows of these products (of all when omitted); call it inside a transaction. */
export async function reindexFts(trx: Kysely<DB>, productIds?: readonly number[]): Promise<void> {
  if (productIds === undefined) {
    await sql`insert into products_fts(products_fts) values ('delete-all')`.execute(trx);
    // No incremental merging while every row goes in: the optimize below merges once (~15% faster).
    await sql`insert into products_fts(products_fts, rank) values ('automerge', 0)`.execute(trx);
    let after = 0;
    for (;;) {
      const rows = await indexSources(trx, sql`p.id > ${after}`, READ_BATCH);
      const last = rows.at(-1);
      if (!last) break;
      await insertIndexRows(trx, rows);
      after = last.id;
    }
    // Merge the segments written above into one b-tree: queries touch fewer pages.
    await sql`insert into products_fts(products_fts) values ('optimize')`.execute(trx);
    await sql`insert into products_fts(products_fts, rank) values ('automerge', 4)`.execute(trx);
    return;
  }
  for (let i = 0; i < productIds.length; i += INSERT_BATCH) {
    const chunk = productIds.slice(i, i + INSERT_BATCH);
    // contentless_delete=1: a row is deleted by rowid; a missing rowid is simply not found.
    await sql`delete from products_fts where rowid in (${sql.join(chunk)})`.execute(trx);
    await insertIndexRows(trx, await indexSources(trx, sql`p.id in (${sql.join(chunk)})`, chunk.length));
  }
}

/** NOT INDEXED: read by rowid; the planner would rather walk the index on `hidden`, whole, per batch. */
async function indexSources(db: Kysely<DB>, where: RawBuilder<unknown>, limit: number): Promise<IndexSource[]> {
  const { rows } = await sql<IndexSource>`
    select p.id, p.sku, p.name, p.variant_name, p.brand,
      (select json_group_array(b.barcode) from product_barcodes b where b.product_id = p.id) as barcodes
    from products p not indexed
    where ${where} and p.hidden = 0 and p.has_variants = 0
    order by p.id
    limit ${limit}`.execute(db);
  return rows;
}

async function insertIndexRows(db: Kysely<DB>, rows: readonly IndexSource[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const values = rows.slice(i, i + INSERT_BATCH).map((r) => {
      const codes = r.barcodes ? (JSON.parse(r.barcodes) as unknown[]) : [];
      const barcodes = codes.map((c) => normalizeBarcode(String(c))).filter((c) => c !== '');
      const name = searchFold([r.name, r.variant_name, r.brand].filter((s) => s.trim() !== '').join(' '));
      return sql`(${r.id}, ${normalizeSku(r.sku)}, ${barcodes.join(' ')}, ${name})`;
    });
    if (values.length > 0) {
      await sql`insert into products_fts(rowid, sku, barcodes, name) values ${sql.join(values)}`.execute(db);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Search

/** An FTS5 string literal: whatever the user typed is matched as text, never parsed as syntax. */
function ftsString(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * `({sku barcodes} : "…" OR name : "…")`: the term in each column, in that column's folding,
 * keeping only the forms long enough for trigrams; null if none is. Columns that would look for
 * the same string share one phrase, so FTS5 walks (and bm25 counts) that doclist once.
 */
function ftsTerm(term: Term): string | null {
  const columns = new Map<string, string[]>();
  for (const [column, text] of [
    ['sku', term.sku],
    ['barcodes', term.barcode],
    ['name', term.text],
  ] as const) {
    if (chars(text) < TRIGRAM) continue;
    columns.set(text, [...(columns.get(text) ?? []), column]);
  }
  const alternatives = [...columns].map(([text, cols]) => `{${cols.join(' ')}} : ${ftsString(text)}`);
  return alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : null;
}

/** SQL true when product `p` contains a short word in its folded name/variant/brand or its SKU. */
function shortTermSql(term: Term): RawBuilder<unknown> {
  const name = sql`(p.name || ' ' || p.variant_name || ' ' || p.brand) glob ${containsGlob(term.text)}`;
  // instr(x, '') is 1: an empty needle would match everything.
  return term.sku === '' ? name : sql`(instr(p.sku_norm, ${term.sku}) > 0 or ${name})`;
}

/** What filterSql and shortTermSql read, for subqueries standing in for `products p`. */
const SCAN_COLUMNS = sql.raw(
  'p.id, p.sku_norm, p.name, p.variant_name, p.brand, p.hidden, p.has_variants, p.category_id, p.stock_total',
);

/**
 * At most SCAN_ROWS visible products for the short-word scan, read along the index that best
 * narrows them: the categories', the brand's or, unfiltered, the name index (alphabetical).
 */
function scanSource(filter: SearchFilter): RawBuilder<unknown> {
  if (filter.categoryIds !== undefined) {
    return sql`select ${SCAN_COLUMNS} from products p indexed by products_category_name
      where p.category_id in (${sql.join(filter.categoryIds)}) and p.hidden = 0 limit ${SCAN_ROWS}`;
  }
  if (filter.brand) {
    return sql`select ${SCAN_COLUMNS} from products p indexed by products_brand
      where p.brand = ${filter.brand} and p.hidden = 0 limit ${SCAN_ROWS}`;
  }
  return sql`select ${SCAN_COLUMNS} from products p indexed by products_name where p.hidden = 0 order by p.name, p.id limit ${SCAN_ROWS}`;
}

/**
 * The products matching every word in some column, bm25-ranked (SKU and barcode hits above name
 * hits), at most `want`; `where` is filterSql() on alias `p`.
 */
export async function ftsMatches(
  db: Kysely<DB>,
  terms: readonly Term[],
  filter: SearchFilter,
  where: RawBuilder<unknown>,
  want: number,
) {
  const long: string[] = [];
  const short: Term[] = [];
  for (const term of terms) {
    const fts = ftsTerm(term);
    if (fts === null) short.push(term);
    else long.push(fts);
  }
  if (long.length > 0) {
    // The first FTS_ROWS matches, ranked; words too short for trigrams only filter them.
    const rows = await sql<{ id: number }>`
      select p.id from (
        select rowid as id, bm25(products_fts, ${BM25_WEIGHTS}) as score from products_fts
        where products_fts match ${long.join(' AND ')} limit ${FTS_ROWS}
      ) f
      cross join products p on p.id = f.id
      where ${sql.join([where, ...short.map(shortTermSql)], sql` and `)}
      order by f.score, p.id limit ${want}`.execute(db);
    return rows.rows.map((r) => r.id);
  }
  if (short.length > 0) {
    const rows = await sql<{ id: number }>`
      select p.id from (${scanSource(filter)}) p
      where ${sql.join([where, ...short.map(shortTermSql)], sql` and `)}
      limit ${want}`.execute(db);
    return rows.rows.map((r) => r.id);
  }
  return [];
}

/** Products whose sku_norm starts with (and is longer than) `skuKey`, shortest SKU first. */
export async function ftsSkuPrefix(db: Kysely<DB>, skuKey: string, where: RawBuilder<unknown>, want: number) {
  const prefix = await sql<{ id: number; sku_norm: string }>`
    select p.id, p.sku_norm from (
      select ${SCAN_COLUMNS} from products p indexed by products_sku_norm
      where p.sku_norm > ${skuKey} and p.sku_norm < ${`${skuKey}\u{10FFFF}`}
      order by p.sku_norm limit ${SCAN_ROWS}
    ) p
    where ${where} limit ${want}`.execute(db);
  return prefix.rows.sort((a, b) => a.sku_norm.length - b.sku_norm.length).map((r) => r.id);
}
