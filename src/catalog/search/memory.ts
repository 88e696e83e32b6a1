import type { Columns } from './columns.js';
import { compareDocs, type Doc } from './doc.js';
import { GramIndex } from './grams.js';
import { IntMap } from './int-map.js';
import { docPasses, type MemoryFilter } from './memory-filter.js';
import { addList, type Candidates, candidates, compareStrings, invert, isSorted } from './postings.js';
import { docQuality, INSIDE, NONE, START } from './quality.js';
import { SuffixIndex } from './suffixes.js';
import { type Term, TRIGRAM } from './terms.js';
import { type Ranking, Window } from './window.js';

/*
 * An in-memory search index over the sellable products (visible, not parents of variants) of one
 * database. Products get a rank: their position in name order (products.name, then id: the order
 * of the category listing, read from SQLite's products_name index). Posting lists hold ranks in
 * ascending order, so whatever a query matches comes out in name order, and a page (or the capped
 * count) stops reading as soon as it has enough.
 *
 * Matching keeps the semantics of the trigram FTS it replaces: a query word matches a product when
 * it is a substring of one of the product's name words (name, variant name and brand, folded by
 * searchFold, split like the query), of its normalized SKU, or (3+ digits) of a barcode.
 *   - Name words: every distinct word of the catalog is a "token", with a posting list; each
 *     product keeps the list of its tokens. The sorted, distinct suffixes of all tokens lead from a
 *     query word to every token containing it, and whether at a word start, by one binary search
 *     ("цинк" → "оцинкованный", "оцинкованная", "цинк"). Those tokens are marked, 2 bits per query
 *     word, so testing a product against every word is a few array reads, no string search.
 *   - SKUs and barcodes: sorted arrays give those starting with the word (a binary search); a
 *     posting list per 3-gram (1- and 2-grams too for SKUs) gives candidates for a word anywhere
 *     inside: those of its rarest gram, each then checked with a substring test.
 * A query's candidates are those of its most selective word (fewest postings), in rank order (one
 * list as is, several merged through a bitset, or every rank when that word is everywhere); the
 * other words' candidates, ANDed into a bitset, drop most of them cheaply; what is left is checked
 * against every word and the filter.
 *
 * Two tiers, both in name order: products where every word matches at the start of a word (of the
 * name, the SKU or a barcode) first, then those where some word matches only inside a word ("цинк"
 * in "оцинкованный"), so "кран" lists "Кран шаровой" before "Экран".
 *
 * Memory: the big parts are typed arrays (outside the JavaScript heap, so they do not make the
 * garbage collector let the heap grow further); strings are kept only for SKUs, barcodes and the
 * distinct tokens. The index is immutable once built, except for `dead` (ranks whose product
 * changed or is gone), the stock hint, and a small overlay of changed and new products, checked one
 * by one on every query and merged into the results; live.ts rebuilds the index when it grows.
 *
 * Its parts: doc.ts (a product's words and codes), quality.ts (how well a word matches),
 * memory-filter.ts, postings.ts (posting lists, sorted arrays), int-map.ts, window.ts (a page of
 * a ranking), columns.ts (what a build reads). The FTS path (fts.ts) answers the same queries
 * the same way (test/search-engines.test.ts).
 */

/** What a query word can be found through, per tier. */
interface WordPlan {
  term: Term;
  /** Whether some SKU, or barcode, of the index contains the word's SKU, or barcode, form (else never look). */
  skuCheck: boolean;
  barcodeCheck: boolean;
  /** Matches at the start of a word (tier 1). */
  start: Candidates;
  /** Any match (tiers 1 and 2). */
  all: Candidates;
  /** Matches only inside words (tier 2 needs one word matching so). */
  inside: Candidates;
}

export interface IndexStats {
  products: number;
  tokens: number;
  suffixes: number;
  grams: number;
  postings: number;
  /** Bytes of typed arrays (outside the JavaScript heap). */
  arrayBytes: number;
  /** Estimated bytes of strings and other objects on the JavaScript heap. */
  heapBytes: number;
}

export class MemoryIndex {
  /** Ranks. */
  readonly size: number;
  private readonly ids: Int32Array;
  private readonly skus: string[];
  private readonly categories: Int32Array;
  private readonly brands: Int32Array;
  private readonly brandIds = new Map<string, number>();
  private readonly brandNames: string[] = [];
  /** Doc.stocked by rank. */
  private readonly stocked: Uint8Array;
  private readonly rankOf: IntMap;
  /** Ranks by product id, for stock updates by id range. */
  private readonly idOrder: Int32Array;
  /** 1 where the product at that rank changed (it may be in the overlay) or is gone. */
  private readonly dead: Uint8Array;
  /** Changed and new products, by id. */
  private readonly overlay = new Map<number, Doc>();

  /** The distinct name words, their postings, and each rank's (CSR: rankTokens[rankTokenStart[r]…]). */
  private readonly tokens: string[];
  private readonly tokenStart: Int32Array;
  private readonly tokenRanks: Int32Array;
  private readonly rankTokenStart: Int32Array;
  private readonly rankTokens: Int32Array;
  /** From a query word to the tokens holding it. */
  private readonly suffixes: SuffixIndex;

  /** From a word to the SKUs and barcodes that may hold it inside. */
  private readonly grams: GramIndex;
  /** Ranks with an SKU, by SKU. */
  private readonly skuOrder: Int32Array;
  /** Every barcode, sorted, the rank of its product, and each rank's (CSR: indexes into barcodeKeys). */
  private readonly barcodeKeys: string[];
  private readonly barcodeRanks: Int32Array;
  private readonly rankCodeStart: Int32Array;
  private readonly rankCodes: Int32Array;

  /** Scratch, reused by every query (queries run synchronously, one at a time). */
  private readonly bits: Uint32Array;
  private readonly sieve: Uint32Array;
  /** Ranks already ranked by an earlier tier. */
  private readonly excluded: Uint32Array;
  /** For plan(): 1 = the token holds the word, 2 = at a word start. */
  private readonly tokenMarks: Uint8Array;
  /** For the query: bits 2k (holds word k) and 2k + 1 (at a word start) of every token. */
  private readonly termMarks: Uint16Array;
  private readonly marked: number[] = [];

  constructor(columns: Columns) {
    const n = columns.ids.length;
    this.size = n;
    this.ids = columns.ids;
    this.skus = columns.skus;
    this.categories = columns.categories;
    this.stocked = columns.stocked;
    this.brands = new Int32Array(n);
    this.dead = new Uint8Array(n);
    this.bits = new Uint32Array((n >>> 5) + 1);
    this.sieve = new Uint32Array((n >>> 5) + 1);
    this.excluded = new Uint32Array((n >>> 5) + 1);
    this.rankOf = new IntMap(n);
    const texts = columns.texts;
    for (let r = 0; r < n; r++) {
      this.brands[r] = this.brandId(columns.brands[r] as string, true);
      if (columns.present[r] === 0) {
        this.dead[r] = 1;
        texts[r] = '';
        this.skus[r] = '';
      } else this.rankOf.set(this.ids[r] as number, r);
    }

    // Tokens: each rank's distinct words, in order.
    let maxWords = 0;
    for (let r = 0; r < n; r++) {
      const text = texts[r] as string;
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) maxWords++;
      maxWords++;
    }
    const tokenIds = new Map<string, number>();
    const tokens: string[] = [];
    const tokenLast: number[] = [];
    const rankTokens = new Int32Array(maxWords);
    let tokenCount = 0;
    this.rankTokenStart = new Int32Array(n + 1);
    for (let r = 0; r < n; r++) {
      const text = texts[r] as string;
      if (text !== '') {
        for (const word of text.split(' ')) {
          let t = tokenIds.get(word);
          if (t === undefined) {
            t = tokens.length;
            tokenIds.set(word, t);
            tokens.push(word);
            tokenLast.push(-1);
          }
          if (tokenLast[t] !== r) {
            tokenLast[t] = r;
            rankTokens[tokenCount++] = t;
          }
        }
      }
      this.rankTokenStart[r + 1] = tokenCount;
    }
    this.tokens = tokens;
    this.rankTokens = rankTokens.slice(0, tokenCount);
    [this.tokenStart, this.tokenRanks] = invert(tokens.length, this.rankTokenStart, this.rankTokens);
    this.tokenMarks = new Uint8Array(tokens.length);
    this.termMarks = new Uint16Array(tokens.length);

    this.suffixes = new SuffixIndex(tokens);

    // SKUs in order: SQLite's, when it agrees with JavaScript's string order, else sorted here.
    const skus = this.skus;
    const bySku = (a: number, b: number) => compareStrings(skus[a] as string, skus[b] as string) || a - b;
    let skuRanks = columns.skuOrder.filter((r) => skus[r] !== '');
    let withSku = 0;
    for (let r = 0; r < n; r++) if (skus[r] !== '') withSku++;
    if (skuRanks.length !== withSku || !isSorted(skuRanks, bySku)) {
      skuRanks = [];
      for (let r = 0; r < n; r++) if (skus[r] !== '') skuRanks.push(r);
      skuRanks.sort(bySku);
    }
    this.skuOrder = Int32Array.from(skuRanks);

    // Barcodes likewise, then each rank's.
    let keys: string[] = [];
    let ranks: number[] = [];
    for (let i = 0; i < columns.barcodeKeys.length; i++) {
      const r = columns.barcodeRanks[i] as number;
      if (this.dead[r] === 0) {
        keys.push(columns.barcodeKeys[i] as string);
        ranks.push(r);
      }
    }
    if (!isSorted(keys, compareStrings)) {
      const order = Array.from(keys, (_, i) => i).sort((a, b) => compareStrings(keys[a] as string, keys[b] as string) || a - b);
      keys = order.map((i) => keys[i] as string);
      ranks = order.map((i) => ranks[i] as number);
    }
    this.barcodeKeys = keys;
    this.barcodeRanks = Int32Array.from(ranks);
    [this.rankCodeStart, this.rankCodes] = invert(n, new Int32Array(0), this.barcodeRanks, true);

    // Grams of SKUs (1, 2 and 3 characters) and barcodes (3), each rank's distinct ones.
    let maxGrams = 0;
    for (let r = 0; r < n; r++) maxGrams += 3 * (skus[r] as string).length;
    for (const key of keys) maxGrams += key.length;
    this.grams = new GramIndex(n, maxGrams);
    for (let r = 0; r < n; r++) {
      this.grams.addSku(r, skus[r] as string);
      for (let c = this.rankCodeStart[r] as number; c < (this.rankCodeStart[r + 1] as number); c++) {
        this.grams.addBarcode(r, keys[this.rankCodes[c] as number] as string);
      }
      this.grams.endRank(r);
    }
    this.grams.finish();

    const ids = this.ids;
    let byId = Int32Array.from(columns.idOrder);
    if (byId.length !== n || !isSorted([...byId], (a, b) => (ids[a] as number) - (ids[b] as number))) {
      byId = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => (ids[a] as number) - (ids[b] as number));
    }
    this.idOrder = byId;
  }

  stats(): IndexStats {
    const stringBytes = (s: string) => 16 + s.length * (/^[\0-\xff]*$/.test(s) ? 1 : 2);
    let heapBytes = 0;
    for (const s of this.skus) heapBytes += stringBytes(s) + 4;
    for (const s of this.barcodeKeys) heapBytes += stringBytes(s) + 4;
    for (const s of this.tokens) heapBytes += stringBytes(s) + 4;
    const arrays = [
      this.ids,
      this.categories,
      this.brands,
      this.stocked,
      this.idOrder,
      this.dead,
      this.tokenStart,
      this.tokenRanks,
      this.rankTokenStart,
      this.rankTokens,
      ...this.suffixes.arrays,
      this.skuOrder,
      this.barcodeRanks,
      this.rankCodeStart,
      this.rankCodes,
      this.bits,
      this.sieve,
      this.excluded,
      this.tokenMarks,
      this.termMarks,
    ];
    return {
      products: this.size,
      tokens: this.tokens.length,
      suffixes: this.suffixes.size,
      grams: this.grams.size,
      postings: this.tokenRanks.length + this.grams.postings,
      arrayBytes: arrays.reduce((sum, a) => sum + a.byteLength, 0) + this.rankOf.bytes + this.grams.arrayBytes,
      heapBytes,
    };
  }

  get overlaySize(): number {
    return this.overlay.size;
  }

  /** The current state of a product (null: gone, hidden or a parent of variants). */
  apply(id: number, doc: Doc | null): void {
    this.overlay.delete(id);
    const r = this.rankOf.get(id);
    if (r >= 0) {
      if (doc !== null && this.sameAsRank(r, doc)) {
        this.dead[r] = 0;
        this.stocked[r] = doc.stocked ? 1 : 0;
        return;
      }
      this.dead[r] = 1;
    }
    if (doc !== null) this.overlay.set(id, doc);
  }

  /** The stock hint of the products with ids in (from, to]: in stock when in `stocked`. */
  setStock(from: number, to: number, stocked: ReadonlySet<number>): void {
    const order = this.idOrder;
    const ids = this.ids;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[order[mid] as number] as number) <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < order.length; k++) {
      const r = order[k] as number;
      const id = ids[r] as number;
      if (id > to) break;
      this.stocked[r] = stocked.has(id) ? 1 : 0;
    }
    for (const doc of this.overlay.values()) if (doc.id > from && doc.id <= to) doc.stocked = stocked.has(doc.id);
  }

  /** The rank's distinct words, joined by ' ' (Doc.text without repeated words). */
  private rankText(r: number): string {
    const words: string[] = [];
    for (let k = this.rankTokenStart[r] as number; k < (this.rankTokenStart[r + 1] as number); k++) {
      words.push(this.tokens[this.rankTokens[k] as number] as string);
    }
    return words.join(' ');
  }

  private rankCodeList(r: number): string[] {
    const codes: string[] = [];
    for (let c = this.rankCodeStart[r] as number; c < (this.rankCodeStart[r + 1] as number); c++) {
      codes.push(this.barcodeKeys[this.rankCodes[c] as number] as string);
    }
    return codes;
  }

  private sameAsRank(r: number, doc: Doc): boolean {
    const words = [...new Set(doc.text === '' ? [] : doc.text.split(' '))].join(' ');
    const codes = doc.codes === '' ? [] : doc.codes.slice(1).split(' ');
    return (
      this.rankText(r) === words &&
      this.skus[r] === doc.sku &&
      this.rankCodeList(r).sort().join(' ') === codes.sort().join(' ') &&
      this.categories[r] === doc.category &&
      this.brandNames[this.brands[r] as number] === doc.brand
    );
  }

  private brandId(brand: string, add: boolean): number {
    let id = this.brandIds.get(brand);
    if (id === undefined) {
      if (!add) return -1;
      id = this.brandNames.length;
      this.brandIds.set(brand, id);
      this.brandNames.push(brand);
    }
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** Ranks (in `order`) whose key starts with `prefix`: a slice of `order`, not in rank order. */
  private prefixRange(order: Int32Array, keyAt: (k: number) => string, prefix: string): Int32Array {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) < prefix) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid).startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return order.subarray(first, lo);
  }

  /** The candidates of query word number k, marking its tokens in termMarks. */
  private plan(term: Term, k: number): WordPlan {
    const start = candidates();
    const all = candidates();
    const inside = candidates();
    const word = term.text;
    const marks = this.tokenMarks;
    const tokenStart = this.tokenStart;
    const touched: number[] = [];
    this.suffixes.forEachToken(word, (entry) => {
      const t = entry >>> 1;
      const flag = (entry & 1) === 1 ? 2 : 1;
      const before = marks[t] as number;
      if ((before & flag) !== 0) return;
      if (before === 0) touched.push(t);
      marks[t] = before | flag;
      const size = (tokenStart[t + 1] as number) - (tokenStart[t] as number);
      if (flag === 2) {
        start.tokens.push(t);
        start.size += size;
      }
      if (before === 0) {
        all.tokens.push(t);
        all.size += size;
      }
    });
    const termMarks = this.termMarks;
    for (const t of touched) {
      const m = marks[t] as number;
      // A token holding the word only inside words; one also holding it at a word start makes it a start match.
      if (m === 1) {
        inside.tokens.push(t);
        inside.size += (tokenStart[t + 1] as number) - (tokenStart[t] as number);
      }
      if (termMarks[t] === 0) this.marked.push(t);
      termMarks[t] = (termMarks[t] as number) | ((m & 2 ? 3 : 1) << (2 * k));
      marks[t] = 0;
    }
    const skus = this.skus;
    const skuOrder = this.skuOrder;
    const barcodeKeys = this.barcodeKeys;
    let skuCheck = false;
    let barcodeCheck = false;
    if (term.sku !== '') {
      addList(
        start,
        this.prefixRange(skuOrder, (i) => skus[skuOrder[i] as number] as string, term.sku),
        false,
      );
      const list = this.grams.rarest(term.sku);
      if (list !== null) {
        skuCheck = true;
        addList(all, list);
        addList(inside, list);
      }
    }
    if (term.barcode.length >= TRIGRAM) {
      addList(
        start,
        this.prefixRange(this.barcodeRanks, (i) => barcodeKeys[i] as string, term.barcode),
        false,
      );
      const list = this.grams.rarest(term.barcode);
      if (list !== null) {
        barcodeCheck = true;
        addList(all, list);
        addList(inside, list);
      }
    }
    return { term, skuCheck, barcodeCheck, start, all, inside };
  }

  /**
   * The products matching a query and the filter, ranked: `exactIds` (found by the caller), SKUs
   * starting with `skuKey` (shortest first), every word at a word start, then the other matches
   * (each in name order). Counts up to `need`; returns the ids at positions [from, from + keep).
   * Runs synchronously: whatever it allocates is gone before the caller awaits anything.
   */
  rank(
    terms: readonly Term[],
    skuKey: string,
    filter: MemoryFilter,
    exactIds: readonly number[],
    need: number,
    from: number,
    keep: number,
  ): Ranking {
    const out = new Window(from, keep);
    const excluded = this.excluded;
    /** Ids (of the overlay, or unknown to the index) already ranked. */
    const taken = new Set<number>();
    const take = (id: number) => {
      const r = this.rankOf.get(id);
      if (r >= 0) excluded[r >>> 5] = (excluded[r >>> 5] as number) | (1 << (r & 31));
      if (r < 0 || this.overlay.has(id)) taken.add(id);
      out.add(id);
    };
    try {
      for (const id of exactIds) take(id);
      if (skuKey !== '') for (const id of this.skuPrefix(skuKey, filter, taken, need - out.count)) take(id);
      if (terms.length > 0) this.matches(terms, filter, taken, need - out.count, out);
    } finally {
      excluded.fill(0);
      for (const t of this.marked) this.termMarks[t] = 0;
      this.marked.length = 0;
    }
    return { ids: out.ids, count: out.count };
  }

  /**
   * Products whose SKU equals `skuKey`, then those with a barcode equal to `barcodeKey`
   * (normalized), each by id, within the filter.
   */
  exact(skuKey: string, barcodeKey: string, filter: MemoryFilter): number[] {
    const brand = filter.brand === null ? -1 : this.brandId(filter.brand, false);
    const indexed = filter.brand === null || brand >= 0;
    const bySku: number[] = [];
    const byBarcode: number[] = [];
    if (skuKey !== '') {
      const order = this.skuOrder;
      const skus = this.skus;
      if (indexed) {
        for (const r of this.prefixRange(order, (k) => skus[order[k] as number] as string, skuKey)) {
          if (skus[r] !== skuKey) break;
          if (this.passes(r, filter, brand)) bySku.push(this.ids[r] as number);
        }
      }
      for (const doc of this.overlay.values()) if (doc.sku === skuKey && docPasses(doc, filter)) bySku.push(doc.id);
    }
    if (barcodeKey !== '') {
      const keys = this.barcodeKeys;
      if (indexed) {
        const range = this.prefixRange(this.barcodeRanks, (k) => keys[k] as string, barcodeKey);
        const first = range.byteOffset / 4;
        for (let k = 0; k < range.length && keys[first + k] === barcodeKey; k++) {
          const r = range[k] as number;
          if (this.passes(r, filter, brand)) byBarcode.push(this.ids[r] as number);
        }
      }
      for (const doc of this.overlay.values()) {
        if (doc.codes.slice(1).split(' ').includes(barcodeKey) && docPasses(doc, filter)) byBarcode.push(doc.id);
      }
    }
    bySku.sort((a, b) => a - b);
    byBarcode.sort((a, b) => a - b);
    return [...new Set([...bySku, ...byBarcode])];
  }

  /** Products whose SKU starts with `key` and is longer, shortest SKU first (then by SKU); at most `need`. */
  private skuPrefix(key: string, filter: MemoryFilter, taken: ReadonlySet<number>, need: number): number[] {
    if (need <= 0) return [];
    const ranks: number[] = [];
    const brand = filter.brand === null ? -1 : this.brandId(filter.brand, false);
    const skus = this.skus;
    if (filter.brand === null || brand >= 0) {
      const order = this.skuOrder;
      for (const r of this.prefixRange(order, (k) => skus[order[k] as number] as string, key)) {
        if (ranks.length >= need) break;
        if (skus[r] !== key && this.passes(r, filter, brand)) ranks.push(r);
      }
    }
    const docs: Doc[] = [];
    for (const doc of this.overlay.values()) {
      if (doc.sku.length > key.length && doc.sku.startsWith(key) && docPasses(doc, filter) && !taken.has(doc.id)) docs.push(doc);
    }
    const length = (r: number) => (skus[r] as string).length;
    ranks.sort((a, b) => length(a) - length(b) || compareStrings(skus[a] as string, skus[b] as string) || a - b);
    docs.sort((a, b) => a.sku.length - b.sku.length || compareStrings(a.sku, b.sku) || a.id - b.id);
    // Merge the two (shortest SKU first).
    const ids: number[] = [];
    let i = 0;
    let j = 0;
    while (ids.length < need && (i < ranks.length || j < docs.length)) {
      const r = ranks[i];
      const doc = docs[j];
      const indexFirst =
        r !== undefined &&
        (doc === undefined || length(r) < doc.sku.length || (length(r) === doc.sku.length && (skus[r] as string) <= doc.sku));
      if (indexFirst) {
        ids.push(this.ids[r] as number);
        i++;
      } else if (doc !== undefined) {
        ids.push(doc.id);
        j++;
      }
    }
    return ids;
  }

  /** Whether rank r is alive, not taken and passes the filter (`brand`: its id, -1 for none). */
  private passes(r: number, filter: MemoryFilter, brand: number): boolean {
    if (this.dead[r] === 1 || ((this.excluded[r >>> 5] as number) & (1 << (r & 31))) !== 0) return false;
    if (filter.inStock && this.stocked[r] === 0) return false;
    const mask = filter.categoryMask;
    const c = this.categories[r] as number;
    if (mask !== null) {
      if (c < 0 || c >= mask.length || mask[c] === 0) return false;
    } else if (filter.categories !== null && !filter.categories.has(c)) return false;
    return brand < 0 || this.brands[r] === brand;
  }

  /** The worst quality of the words in rank r, or NONE as soon as one is worse than `tier`. */
  private rankQuality(r: number, plans: readonly WordPlan[], tier: number): number {
    // Every word's name-word marks at once: OR over the rank's tokens.
    let marks = 0;
    const termMarks = this.termMarks;
    for (let k = this.rankTokenStart[r] as number; k < (this.rankTokenStart[r + 1] as number); k++) {
      marks |= termMarks[this.rankTokens[k] as number] as number;
    }
    let worst = START;
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[k] as WordPlan;
      const bits = (marks >>> (2 * k)) & 3;
      let q = bits === 3 ? START : bits === 1 ? INSIDE : NONE;
      if (q !== START && plan.skuCheck) {
        const sku = this.skus[r] as string;
        if (sku.startsWith(plan.term.sku)) q = START;
        else if (q === NONE && sku.includes(plan.term.sku)) q = INSIDE;
      }
      if (q !== START && plan.barcodeCheck) {
        const barcode = plan.term.barcode;
        for (let c = this.rankCodeStart[r] as number; c < (this.rankCodeStart[r + 1] as number); c++) {
          const code = this.barcodeKeys[this.rankCodes[c] as number] as string;
          if (code.startsWith(barcode)) {
            q = START;
            break;
          }
          if (q === NONE && code.includes(barcode)) q = INSIDE;
        }
      }
      if (q > tier) return NONE;
      if (q > worst) worst = q;
    }
    return worst;
  }

  /** Adds to `out` up to `need` products matching every term: start-of-word matches, then the others. */
  private matches(terms: readonly Term[], filter: MemoryFilter, taken: ReadonlySet<number>, need: number, out: Window): void {
    if (need <= 0) return;
    const plans = terms.map((t, k) => this.plan(t, k));
    const brand = filter.brand === null ? -1 : this.brandId(filter.brand, false);
    const noIndexMatch = filter.brand !== null && brand < 0;

    const overlay: { doc: Doc; tier: number }[] = [];
    for (const doc of this.overlay.values()) {
      if (!docPasses(doc, filter) || taken.has(doc.id)) continue;
      let worst = START;
      for (const term of terms) {
        worst = Math.max(worst, docQuality(term, doc));
        if (worst === NONE) break;
      }
      if (worst !== NONE) overlay.push({ doc, tier: worst });
    }
    overlay.sort((a, b) => compareDocs(a.doc, b.doc));

    let added = 0;
    for (const tier of [START, INSIDE]) {
      const left = need - added;
      if (left <= 0) break;
      const extra = overlay.filter((o) => o.tier === tier).map((o) => o.doc);
      if (extra.length === 0) {
        // The usual case: straight from the index to the window, no list in between.
        if (!noIndexMatch) {
          added += this.gather(plans, tier, filter, brand, left, (r) => out.add(this.ids[r] as number));
        }
        continue;
      }
      const ranks: number[] = [];
      if (!noIndexMatch) this.gather(plans, tier, filter, brand, left, (r) => ranks.push(r));
      // Merge the two name-ordered lists.
      let i = 0;
      let j = 0;
      while (added < need && (i < ranks.length || j < extra.length)) {
        const r = ranks[i];
        const doc = extra[j];
        if (r !== undefined && (doc === undefined || this.rankBefore(r, doc))) {
          out.add(this.ids[r] as number);
          i++;
        } else if (doc !== undefined) {
          out.add(doc.id);
          j++;
        }
        added++;
      }
    }
  }

  /**
   * Whether rank r goes before a changed product. Ranks follow products.name as SQLite sorts it,
   * the overlay the folded text: the few changed products may land a little off their place.
   */
  private rankBefore(r: number, doc: Doc): boolean {
    const text = this.rankText(r);
    return text < doc.text || (text === doc.text && (this.ids[r] as number) < doc.id);
  }

  /** Emits up to `need` ranks whose worst word quality is `tier`, in rank order; how many. */
  private gather(
    plans: readonly WordPlan[],
    tier: number,
    filter: MemoryFilter,
    brand: number,
    need: number,
    emit: (r: number) => void,
  ): number {
    const of = (p: WordPlan) => (tier === START ? p.start : p.all);
    const ordered = [...plans].sort((a, b) => of(a).size - of(b).size);
    const first = ordered[0];
    if (first === undefined || of(first).size === 0) return 0;
    let driver = of(first);
    const others = ordered.slice(1).map(of);
    if (tier === INSIDE) {
      // Some word must match only inside a word: when few products have such a match, start from those.
      const inside = candidates();
      for (const plan of plans) {
        for (const t of plan.inside.tokens) {
          inside.tokens.push(t);
          inside.size += (this.tokenStart[t + 1] as number) - (this.tokenStart[t] as number);
        }
        for (const list of plan.inside.lists) addList(inside, list);
      }
      if (inside.size === 0) return 0;
      if (inside.size < driver.size) {
        others.unshift(driver);
        driver = inside;
      }
    }
    const n = this.size;
    // The other words' candidates, ANDed into a bitset: a candidate of the driver outside it is
    // dropped for a few nanoseconds. Words nearly everywhere are left out.
    const sieving = others.filter((c) => c.size < n / 2 && c.size <= Math.max(4096, 8 * driver.size));
    let sieve: Uint32Array | null = null;
    let lo = 0;
    let hi = -1;
    if (sieving.length > 0) {
      sieve = this.sieve;
      [lo, hi] = this.fillBits(sieve, sieving[0] as Candidates);
      const bits = this.bits;
      for (const more of sieving.slice(1)) {
        const [a, b] = this.fillBits(bits, more);
        for (let w = lo; w <= hi; w++) sieve[w] = (sieve[w] as number) & (bits[w] as number);
        bits.fill(0, a, b + 1);
      }
    }
    try {
      return this.collect(driver, plans, tier, filter, brand, sieve, need, emit);
    } finally {
      if (sieve !== null) sieve.fill(0, lo, hi + 1);
    }
  }

  private collect(
    driver: Candidates,
    plans: readonly WordPlan[],
    tier: number,
    filter: MemoryFilter,
    brand: number,
    sieve: Uint32Array | null,
    need: number,
    emit: (r: number) => void,
  ): number {
    const n = this.size;
    let count = 0;
    const accept = (r: number): boolean => {
      if (sieve !== null && ((sieve[r >>> 5] as number) & (1 << (r & 31))) === 0) return false;
      if (!this.passes(r, filter, brand) || this.rankQuality(r, plans, tier) !== tier) return false;
      emit(r);
      return ++count >= need;
    };

    // One ascending list: read it as is.
    let single: Int32Array | null = null;
    if (driver.tokens.length === 1 && driver.lists.length === 0) {
      const t = driver.tokens[0] as number;
      single = this.tokenRanks.subarray(this.tokenStart[t] as number, this.tokenStart[t + 1] as number);
    } else if (driver.tokens.length === 0 && driver.lists.length === 1 && driver.sorted) single = driver.lists[0] as Int32Array;
    if (single !== null) {
      for (let k = 0; k < single.length; k++) if (accept(single[k] as number)) break;
      return count;
    }
    if (driver.size > n / 2) {
      // Nearly everywhere: read every rank (matches come quickly).
      for (let r = 0; r < n; r++) if (accept(r)) break;
      return count;
    }
    // The union of the lists, in rank order, through a bitset.
    const bits = this.bits;
    const [lo, hi] = this.fillBits(bits, driver);
    for (let w = lo; w <= hi; w++) {
      let x = bits[w] as number;
      if (x === 0) continue;
      bits[w] = 0;
      while (x !== 0) {
        const low = x & -x;
        x ^= low;
        if (accept((w << 5) | (31 - Math.clz32(low)))) {
          bits.fill(0, w + 1, hi + 1);
          return count;
        }
      }
    }
    return count;
  }

  /** Sets the bits of every candidate rank; the range of words touched, [lo, hi]. */
  private fillBits(bits: Uint32Array, c: Candidates): [number, number] {
    let lo = bits.length;
    let hi = -1;
    const postings = this.tokenRanks;
    const add = (list: Int32Array, from: number, to: number) => {
      for (let k = from; k < to; k++) {
        const r = list[k] as number;
        const w = r >>> 5;
        bits[w] = (bits[w] as number) | (1 << (r & 31));
      }
      if (to > from) {
        // Token and gram postings ascend; prefix ranges do not, so take their extremes.
        for (const r of [list[from] as number, list[to - 1] as number]) {
          if (r >>> 5 < lo) lo = r >>> 5;
          if (r >>> 5 > hi) hi = r >>> 5;
        }
      }
    };
    for (const t of c.tokens) add(postings, this.tokenStart[t] as number, this.tokenStart[t + 1] as number);
    for (const list of c.lists) {
      add(list, 0, list.length);
      if (!c.sorted) {
        for (let k = 0; k < list.length; k++) {
          const w = (list[k] as number) >>> 5;
          if (w < lo) lo = w;
          if (w > hi) hi = w;
        }
      }
    }
    return [lo, hi];
  }
}
