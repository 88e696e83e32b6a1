import { type Kysely, type RawBuilder, sql } from 'kysely';
import { fold } from '../db/fold.js';
import type { DB } from '../db/schema.js';
import { normalizeBarcode, normalizeSku } from './sku.js';

/*
 * Product search over the contentless trigram FTS5 table products_fts(sku, barcodes, name),
 * rowid = products.id (migrations/0002_catalog.ts). The index holds folded text only:
 *   sku      = normalizeSku(products.sku)
 *   barcodes = normalizeBarcode(each barcode), space-separated
 *   name     = searchFold(name + variant_name + brand): fold() and every dash as '-'
 * so a query word is folded the same way and matched as a substring (trigram) of any column.
 *
 * Ranking, in tiers that never mix (a name that merely mentions an SKU can never push the
 * product with that exact SKU down the page):
 *   0. exact SKU        products.sku_norm = normalizeSku(query)
 *   1. exact barcode    product_barcodes.barcode = the query's digits
 *   2. SKU prefix       sku_norm starts with normalizeSku(query), shortest SKU first
 *   3. everything else  bm25 over the FTS columns, SKU and barcode hits weighted above name hits
 */

/**
 * Matches are counted up to this many; `total` is min(matches, SEARCH_COUNT_CAP), so a page can
 * show "1000+" when total equals it. Counting further would mean ranking every match of a
 * one-trigram query (tens of thousands of rows at 100k products) on every keystroke for a number
 * nobody pages through; a buyer refines the query instead.
 */
export const SEARCH_COUNT_CAP = 1000;

/** Trigram FTS cannot match anything shorter than this (in characters). */
const TRIGRAM = 3;
const MAX_QUERY_CHARS = 200;
const MAX_WORDS = 8;
/*
 * Bounded work. Every branch of a search reads a bounded number of rows, so that no query costs
 * more than a few tens of milliseconds at 100k products, whatever was typed and filtered:
 *
 * FTS_ROWS: FTS matches ranked per query. A very common trigram ("ный", "000") matches over
 * half of a 100k catalog, and ranking and joining all of those costs ~50-90 ms. FTS5 yields
 * matches in rowid order, so the first FTS_ROWS matches (by product id) are ranked by bm25,
 * joined and filtered, the rest never read. (bm25 still walks each phrase's doclist once to
 * count documents for its IDF: ~10 ms for the commonest phrases at 100k.) The price: a query
 * matching more products than that ranks only those, and with a filter may miss matches among
 * the rest. Such a query is far beyond SEARCH_COUNT_CAP anyway; one more or one longer word
 * narrows it below the limit.
 *
 * SCAN_ROWS: index entries read by the SKU-prefix range and by the short-word scan. When every
 * word is shorter than a trigram ("м6", "10") the FTS index cannot help; such a query gets the
 * exact/prefix SKU tiers from the products_sku_norm index plus a name scan over at most
 * SCAN_ROWS sellable products, read in index order (by name; within the categories or the
 * brand when filtered). A full scan with the case-insensitive test costs ~50 ms at 100k
 * products (~100 ms with the JS fold()); the bounded one ~10 ms. The price: a query made only
 * of 1-2 character words does not find name matches beyond those SCAN_ROWS products. Adding one
 * word of 3+ characters lifts it (short words then only filter the FTS candidates).
 */
const FTS_ROWS = 10_000;
const SCAN_ROWS = 20_000;
/** bm25 column weights for (sku, barcodes, name). */
const BM25_WEIGHTS = sql.raw('10.0, 10.0, 1.0');
/** Rows per multi-row INSERT into products_fts (4 parameters each, far below SQLite's limit). */
const INSERT_BATCH = 500;
const READ_BATCH = 5000;
/** The highest code point: `key <= s < key + MAX_CHAR` is "s starts with key" in BINARY collation. */
const MAX_CHAR = '\u{10FFFF}';

export interface SearchFilter {
  categoryIds?: readonly number[];
  inStockOnly?: boolean;
  brand?: string;
}

export interface SearchResult {
  /** This page, best first. */
  ids: number[];
  /** Matches, counted up to SEARCH_COUNT_CAP. */
  total: number;
  /** Matches (on any page) whose SKU or barcode equals the query, best first. */
  exactIds: number[];
}

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

/**
 * Rebuilds the FTS rows of these products (of all products when omitted) from products and
 * product_barcodes, in one transaction. Products that are gone, hidden or parents of variants
 * lose their row. Call it after any change to a product's SKU, name, variant name, brand,
 * barcodes, visibility or variants.
 */
export async function reindexProducts(db: Kysely<DB>, productIds?: readonly number[]): Promise<void> {
  const run = async (trx: Kysely<DB>) => {
    if (productIds === undefined) {
      await sql`insert into products_fts(products_fts) values ('delete-all')`.execute(trx);
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
      return;
    }
    const ids = [...new Set(productIds)].filter((id) => Number.isSafeInteger(id));
    for (let i = 0; i < ids.length; i += INSERT_BATCH) {
      const chunk = ids.slice(i, i + INSERT_BATCH);
      // contentless_delete=1: a row is deleted by rowid; a missing rowid is simply not found.
      await sql`delete from products_fts where rowid in (${sql.join(chunk)})`.execute(trx);
      await insertIndexRows(trx, await indexSources(trx, sql`p.id in (${sql.join(chunk)})`, chunk.length));
    }
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
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
// Query parsing

/** Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign. */
const OTHER_DASHES = '\u2010\u2011\u2012\u2013\u2014\u2015\u2212';
const DASHES = new RegExp(`[${OTHER_DASHES}]`, 'gu');
/** A GLOB class of '-' and OTHER_DASHES; '-' first, where GLOB reads it literally. */
const DASH_CLASS = `[-${OTHER_DASHES}]`;

/** fold(), and every dash or minus sign as '-' (SKUs in names get typed and pasted with all of them). */
export function searchFold(text: string): string {
  return fold(text).replace(DASHES, '-');
}

interface Term {
  /** searchFold(word): what the name column is matched with. */
  text: string;
  /** normalizeSku(word): what the sku column is matched with. */
  sku: string;
  /** Digits of a word made only of digits and dashes, else ''. */
  barcode: string;
}

const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;
const BARCODE_LIKE = /^[\d\s-]+$/;

function chars(s: string): number {
  return [...s].length;
}

/** The query's words, folded, without punctuation around them, deduplicated, at most MAX_WORDS. */
export function queryTerms(query: string): Term[] {
  const seen = new Set<string>();
  const terms: Term[] = [];
  for (const raw of searchFold(query).split(/[\s,;]+/u)) {
    const text = raw.replace(EDGE_PUNCTUATION, '');
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    terms.push({ text, sku: normalizeSku(text), barcode: BARCODE_LIKE.test(text) ? normalizeBarcode(text) : '' });
    if (terms.length === MAX_WORDS) break;
  }
  return terms;
}

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

/**
 * A GLOB pattern true when searchFold(value) contains `text`: each letter becomes a class of
 * the characters that fold to it ("м6" → `*[мМ]6*`, "е" → `[еЕёЁ]`). GLOB is a built-in, about
 * twice as fast per row as calling the JS fold() function, which matters for the bounded scan.
 */
export function containsGlob(text: string): string {
  let pattern = '*';
  for (const c of text) {
    if (c === '-') {
      pattern += DASH_CLASS;
      continue;
    }
    const variants = new Set([c, c.toUpperCase()]);
    if (c === 'е') variants.add('ё').add('Ё');
    for (const v of [...variants]) if (chars(v) !== 1 || fold(v) !== c) variants.delete(v);
    if (variants.size > 1) pattern += `[${[...variants].join('')}]`;
    else pattern += c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
  }
  return `${pattern}*`;
}

/** SQL true when product `p` contains a short word in its folded name/variant/brand or its SKU. */
function shortTermSql(term: Term): RawBuilder<unknown> {
  const name = sql`(p.name || ' ' || p.variant_name || ' ' || p.brand) glob ${containsGlob(term.text)}`;
  // instr(x, '') is 1: an empty needle would match everything.
  return term.sku === '' ? name : sql`(instr(p.sku_norm, ${term.sku}) > 0 or ${name})`;
}

/** Sellable, visible and within the filter; on alias `p`. */
function filterSql(filter: SearchFilter): RawBuilder<unknown> {
  const parts = [sql`p.hidden = 0`, sql`p.has_variants = 0`];
  const categories = filter.categoryIds;
  if (categories !== undefined) {
    parts.push(categories.length === 1 ? sql`p.category_id = ${categories[0]}` : sql`p.category_id in (${sql.join(categories)})`);
  }
  if (filter.inStockOnly) parts.push(sql`p.stock_total > 0`);
  if (filter.brand) parts.push(sql`p.brand = ${filter.brand}`);
  return sql.join(parts, sql` and `);
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

// ---------------------------------------------------------------------------------------------
// Search

/**
 * Products matching `query`, ranked (see the tiers at the top of this file), paged by
 * limit/offset. Empty or punctuation-only queries match nothing. An empty categoryIds list
 * matches nothing (as in listing.ts).
 */
export async function searchProductIds(
  db: Kysely<DB>,
  query: string,
  filter: SearchFilter,
  limit: number,
  offset: number,
): Promise<SearchResult> {
  const empty: SearchResult = { ids: [], total: 0, exactIds: [] };
  const text = [...query].slice(0, MAX_QUERY_CHARS).join('').trim();
  const pageSize = Math.max(0, Math.trunc(limit));
  const skip = Math.max(0, Math.trunc(offset));
  if (text === '' || filter.categoryIds?.length === 0) return empty;

  const terms = queryTerms(text);
  const skuKey = normalizeSku(text);
  const barcodeKey = BARCODE_LIKE.test(text) ? normalizeBarcode(text) : '';
  if (terms.length === 0 && skuKey === '' && barcodeKey === '') return empty;

  // Every tier is fetched far enough for this page and for the count.
  const want = Math.max(SEARCH_COUNT_CAP, skip + pageSize);
  const where = filterSql(filter);
  let exactSku: number[] = [];
  let exactBarcode: number[] = [];
  let skuPrefix: number[] = [];
  let other: number[] = [];

  if (skuKey !== '') {
    // INDEXED BY: without ANALYZE statistics the planner prefers an equality on `hidden` or
    // `category_id` of another index to this one, and reads the whole catalog (~50 ms at 100k).
    const exact = await sql<{ id: number }>`
      select p.id from products p indexed by products_sku_norm
      where p.sku_norm = ${skuKey} and ${where} order by p.id limit ${want}`.execute(db);
    exactSku = exact.rows.map((r) => r.id);
    // A range on the same index, at most SCAN_ROWS entries; then the shortest (closest) SKU first.
    const prefix = await sql<{ id: number; sku_norm: string }>`
      select p.id, p.sku_norm from (
        select ${SCAN_COLUMNS} from products p indexed by products_sku_norm
        where p.sku_norm > ${skuKey} and p.sku_norm < ${skuKey + MAX_CHAR}
        order by p.sku_norm limit ${SCAN_ROWS}
      ) p
      where ${where} limit ${want}`.execute(db);
    skuPrefix = prefix.rows.sort((a, b) => a.sku_norm.length - b.sku_norm.length).map((r) => r.id);
  }

  if (barcodeKey !== '') {
    // Barcodes are stored as given by the import; look both spellings up on the primary key.
    const spellings = [...new Set([barcodeKey, text])];
    const exact = await sql<{ id: number }>`
      select distinct p.id from product_barcodes b cross join products p on p.id = b.product_id
      where b.barcode in (${sql.join(spellings)}) and ${where} order by p.id limit ${want}`.execute(db);
    exactBarcode = exact.rows.map((r) => r.id);
  }

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
    other = rows.rows.map((r) => r.id);
  } else if (short.length > 0) {
    const rows = await sql<{ id: number }>`
      select p.id from (${scanSource(filter)}) p
      where ${sql.join([where, ...short.map(shortTermSql)], sql` and `)}
      limit ${want}`.execute(db);
    other = rows.rows.map((r) => r.id);
  }

  const exactIds = unique([...exactSku, ...exactBarcode]);
  const ranked = unique([...exactIds, ...skuPrefix, ...other]);
  return {
    ids: ranked.slice(skip, skip + pageSize),
    total: Math.min(ranked.length, SEARCH_COUNT_CAP),
    exactIds,
  };
}

/** The ids in their first-seen order, each once. */
function unique(ids: readonly number[]): number[] {
  return [...new Set(ids)];
}
