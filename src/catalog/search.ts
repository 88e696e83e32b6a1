import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { filterSql, passingIds, type SearchFilter } from './search/filter.js';
import { ftsMatches, ftsSkuPrefix, reindexFts } from './search/fts.js';
import type { LiveIndex } from './search/live.js';
import { memoryFilter } from './search/memory-filter.js';
import { BARCODE_LIKE, MAX_QUERY_CHARS, queryTerms } from './search/terms.js';
import { normalizeBarcode, normalizeSku } from './sku.js';

export type { SearchFilter } from './search/filter.js';
export { containsGlob, queryTerms, searchFold } from './search/terms.js';

/*
 * Product search. A query is split into words (search/terms.ts); a product matches when every
 * word is a substring of one of its name words (name, variant name, brand; case-, ё- and
 * dash-insensitive), of its normalized SKU or (3+ digits) of one of its barcodes.
 *
 * Ranking, in tiers that never mix (a name that merely mentions an SKU can never push the
 * product with that exact SKU down the page):
 *   0. exact SKU        products.sku_norm = normalizeSku(query)
 *   1. exact barcode    a normalized barcode = the query's digits
 *   2. SKU prefix       sku_norm starts with normalizeSku(query), shortest SKU first
 *   3. every word matches at the start of a word (of the name, SKU or a barcode), in name order
 *   4. the other matches (some word only inside a word: "цинк" in "оцинкованный"), in name order
 * Name order is products.name, then id, as the category listing sorts.
 *
 * Every tier comes from the process's in-memory index (ctx.searchIndex: search/memory.ts, kept
 * current by search/live.ts): ~0.1-0.5 ms a query at 100k products whatever it matches, where
 * ranking thousands of FTS matches with bm25 took ~10 ms. What it returns is confirmed by SQL
 * before it is shown, in one query (a rowid lookup per product of the page and per exact match):
 * a product hidden, deleted, moved or sold out a moment ago never shows up. Inside a transaction,
 * or without an index, the search runs on SQL and the FTS table instead (search/fts.ts), which
 * see the transaction's own writes. Both engines answer the same (test/search-engines.test.ts).
 */

/**
 * Matches are counted up to this many; `total` is min(matches, SEARCH_COUNT_CAP), so a page can
 * show "1000+" when total equals it. Counting further would mean reading every match of a
 * one-letter query on every keystroke for a number nobody pages through; a buyer refines the
 * query instead.
 */
export const SEARCH_COUNT_CAP = 1000;
/** Products confirmed beyond the page, so that one failing rarely costs another round trip. */
const CONFIRM_SLACK = 5;

export interface SearchResult {
  /** This page, best first. */
  ids: number[];
  /** Matches, counted up to SEARCH_COUNT_CAP. */
  total: number;
  /** Matches (on any page) whose SKU or barcode equals the query, best first. */
  exactIds: number[];
}

/**
 * Rebuilds the search index entries of these products (of all products when omitted) from
 * products and product_barcodes. Products that are gone, hidden or parents of variants lose
 * theirs. Call it after any change to a product's SKU, name, variant name, brand, category,
 * barcodes, visibility or variants. Inside a transaction, call it in that transaction: the
 * in-memory index re-reads the products at the next search, which waits for the transaction to end
 * (one connection), so it reads what was committed.
 */
export async function reindexProducts(index: LiveIndex, db: Kysely<DB>, productIds?: readonly number[]): Promise<void> {
  const ids = productIds === undefined ? undefined : [...new Set(productIds)].filter((id) => Number.isSafeInteger(id));
  if (db.isTransaction) await reindexFts(db, ids);
  else await db.transaction().execute((trx) => reindexFts(trx, ids));
  index.changed(ids);
}

/**
 * Products matching `query`, ranked (see the tiers at the top of this file), paged by
 * limit/offset. Empty or punctuation-only queries match nothing. An empty categoryIds list
 * matches nothing (as in listing.ts). `index` null: SQL and FTS only (as in a transaction).
 */
export async function searchProductIds(
  db: Kysely<DB>,
  index: LiveIndex | null,
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

  // Every tier is counted far enough for this page and for the count.
  const want = Math.max(SEARCH_COUNT_CAP, skip + pageSize);
  if (db.isTransaction || index === null) return searchOnSql(db, text, terms, skuKey, barcodeKey, filter, want, pageSize, skip);

  const memory = await index.ready();
  const prepared = memoryFilter(filter);
  const exact = memory.exact(skuKey, barcodeKey, prepared);
  // The index applied the filter (stock by a hint live.ts keeps current); SQL confirms the
  // exact matches and the page, product by product, in one query, and the next products stand in
  // for any that fail. Only the page and a little more is kept from the ranking: nothing big lives
  // across the awaits below.
  let exactIds: number[] = [];
  const page: number[] = [];
  const failed: number[] = [];
  let total = 0;
  let from = skip;
  let first = true;
  do {
    const window = memory.rank(terms, skuKey, prepared, exact, want, from, pageSize - page.length + CONFIRM_SLACK);
    total = window.count;
    if (window.ids.length === 0 && !first) break;
    from += window.ids.length;
    const passing = await passingIds(db, first ? [...new Set([...exact, ...window.ids])] : window.ids, filter);
    if (first) {
      exactIds = exact.filter((id) => passing.has(id));
      for (const id of exact) if (!passing.has(id) && !window.ids.includes(id)) failed.push(id);
      first = false;
    }
    for (const id of window.ids) {
      if (!passing.has(id)) failed.push(id);
      else if (page.length < pageSize) page.push(id);
    }
    if (window.ids.length === 0) break;
  } while (page.length < pageSize);
  // The index was wrong about these (hidden, deleted, moved or sold out since): re-read them.
  if (failed.length > 0) index.changed(failed);
  return { ids: page, total: Math.min(Math.max(0, total - failed.length), SEARCH_COUNT_CAP), exactIds };
}

/** The same search on SQL and the FTS table, which see a transaction's own writes. */
async function searchOnSql(
  db: Kysely<DB>,
  text: string,
  terms: ReturnType<typeof queryTerms>,
  skuKey: string,
  barcodeKey: string,
  filter: SearchFilter,
  want: number,
  pageSize: number,
  skip: number,
): Promise<SearchResult> {
  const where = filterSql(filter);
  let exactSku: number[] = [];
  let exactBarcode: number[] = [];
  if (skuKey !== '') {
    // INDEXED BY: without ANALYZE statistics the planner prefers an equality on `hidden` or
    // `category_id` of another index to this one, and reads the whole catalog (~50 ms at 100k).
    const exact = await sql<{ id: number }>`
      select p.id from products p indexed by products_sku_norm
      where p.sku_norm = ${skuKey} and ${where} order by p.id limit ${want}`.execute(db);
    exactSku = exact.rows.map((r) => r.id);
  }
  if (barcodeKey !== '') {
    // Barcodes are stored as given by the import; look both spellings up on the primary key.
    const spellings = [...new Set([barcodeKey, text])];
    const exact = await sql<{ id: number }>`
      select distinct p.id from product_barcodes b cross join products p on p.id = b.product_id
      where b.barcode in (${sql.join(spellings)}) and ${where} order by p.id limit ${want}`.execute(db);
    exactBarcode = exact.rows.map((r) => r.id);
  }
  const exactIds = unique([...exactSku, ...exactBarcode]);
  const prefix = skuKey === '' ? [] : await ftsSkuPrefix(db, skuKey, where, want);
  const ranked = unique([...exactIds, ...prefix, ...(await ftsMatches(db, terms, filter, where, want))]);
  return { ids: ranked.slice(skip, skip + pageSize), total: Math.min(ranked.length, SEARCH_COUNT_CAP), exactIds };
}

/** The ids in their first-seen order, each once. */
function unique(ids: readonly number[]): number[] {
  return [...new Set(ids)];
}
