import { normalizeBarcode } from '../sku.js';
import type { SearchFilter } from './filter.js';
import { searchFold, stripEdgePunctuation, type Term, TRIGRAM, WORD_SEPARATORS } from './terms.js';

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
 */

/** A product as the overlay holds it. */
export interface Doc {
  id: number;
  /** The product's name words (name, variant name, brand; folded, punctuation around them dropped), joined by ' '. */
  text: string;
  /** products.sku_norm. */
  sku: string;
  /** ' ' + each normalized barcode, joined by ' ' ('' when none): a barcode starts after a space. */
  codes: string;
  /** -1 when none. */
  category: number;
  brand: string;
  /** stock_total > 0 when last read: a hint, kept current by live.ts; SQL confirms what is shown. */
  stocked: boolean;
}

export interface DocSource {
  id: number;
  sku_norm: string;
  name: string;
  variant_name: string;
  brand: string;
  category_id: number | null;
  stock_total: number;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
const PUNCTUATION_CHAR = /[\p{P}\p{S}]/u;
/** isWordChar beyond ASCII and Cyrillic, by code unit: 0 not looked up yet, 1 yes, 2 no. */
const wordChars = new Uint8Array(65536);

/** A letter or digit: a match right after one is inside a word. */
function isWordChar(code: number): boolean {
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0x430 && code <= 0x44f) return true;
  let known = wordChars[code] as number;
  if (known === 0) {
    known = WORD_CHAR.test(String.fromCharCode(code)) ? 1 : 2;
    wordChars[code] = known;
  }
  return known === 1;
}

const DIGITS = /^\d+$/;

/** Doc.text of a product. */
export function docText(name: string, variantName: string, brand: string): string {
  const words: string[] = [];
  for (const raw of searchFold(`${name} ${variantName} ${brand}`).split(WORD_SEPARATORS)) {
    if (raw === '') continue;
    // Most words start and end with a letter or digit: no need for the regular expression.
    const plain = isWordChar(raw.charCodeAt(0)) && isWordChar(raw.charCodeAt(raw.length - 1));
    const word = plain ? raw : stripEdgePunctuation(raw);
    if (word !== '') words.push(word);
  }
  return words.join(' ');
}

/** normalizeBarcode, quicker for the usual all-digit barcode. */
export function docBarcode(code: string): string {
  return DIGITS.test(code) ? code : normalizeBarcode(code);
}

export function makeDoc(p: DocSource, codes: readonly string[]): Doc {
  const barcodes = codes.map(docBarcode).filter((c) => c !== '');
  return {
    id: p.id,
    text: docText(p.name, p.variant_name, p.brand),
    sku: p.sku_norm,
    codes: barcodes.length > 0 ? ` ${barcodes.join(' ')}` : '',
    category: p.category_id ?? -1,
    brand: p.brand,
    stocked: p.stock_total > 0,
  };
}

/** Gram keys: up to three character ids of 10 bits, never 0, so 1-, 2- and 3-grams never collide. */
const CHAR_BITS = 10;
const MAX_CHAR_ID = (1 << CHAR_BITS) - 1;

/** Match quality of a word in one product: 0 at the start of a word, 1 only inside words, 2 not at all. */
const START = 0;
const INSIDE = 1;
const NONE = 2;

/** Quality of a word's SKU and barcode forms in an SKU and a Doc.codes string, no better than `q`. */
function codeQuality(term: Term, q: number, sku: string, codes: string): number {
  if (term.sku !== '') {
    if (sku.startsWith(term.sku)) return START;
    if (q === NONE && sku.includes(term.sku)) q = INSIDE;
  }
  if (term.barcode.length >= TRIGRAM) {
    let j = codes.indexOf(term.barcode);
    while (j >= 0) {
      if (codes.charCodeAt(j - 1) === 32) return START;
      q = INSIDE;
      j = codes.indexOf(term.barcode, j + 1);
    }
  }
  return q;
}

/** Quality of a word in an overlay product (by string search; the index's ranks use token marks). */
function docQuality(term: Term, doc: Doc): number {
  let q = NONE;
  const text = doc.text;
  let i = text.indexOf(term.text);
  while (i >= 0) {
    if (i === 0 || !isWordChar(text.charCodeAt(i - 1))) return START;
    q = INSIDE;
    i = text.indexOf(term.text, i + 1);
  }
  return codeQuality(term, q, doc.sku, doc.codes);
}

/** The filter, prepared for the index. */
export interface MemoryFilter {
  categories: ReadonlySet<number> | null;
  /** By category id when the ids are small, else null (use `categories`). */
  categoryMask: Uint8Array | null;
  brand: string | null;
  inStock: boolean;
}

export function memoryFilter(filter: SearchFilter): MemoryFilter {
  const ids = filter.categoryIds;
  let categoryMask: Uint8Array | null = null;
  if (ids?.every((id) => Number.isInteger(id) && id >= 0 && id < 1 << 20)) {
    categoryMask = new Uint8Array(Math.max(0, ...ids) + 1);
    for (const id of ids) categoryMask[id] = 1;
  }
  return {
    categories: ids === undefined ? null : new Set(ids),
    categoryMask,
    brand: filter.brand ? filter.brand : null,
    inStock: filter.inStockOnly === true,
  };
}

function docPasses(doc: Doc, filter: MemoryFilter): boolean {
  if (filter.inStock && !doc.stocked) return false;
  if (filter.categories !== null && !filter.categories.has(doc.category)) return false;
  return filter.brand === null || doc.brand === filter.brand;
}

function compareDocs(a: Doc, b: Doc): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : a.id - b.id;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Candidates: the union of the postings of some tokens and of other lists of ranks. */
interface Candidates {
  tokens: number[];
  /** Gram postings (ascending) and SKU or barcode prefix ranges (not: `sorted` is then false). */
  lists: Int32Array[];
  size: number;
  sorted: boolean;
}

function candidates(): Candidates {
  return { tokens: [], lists: [], size: 0, sorted: true };
}

function addList(c: Candidates, list: Int32Array, sorted = true): void {
  if (list.length === 0 || c.lists.includes(list)) return;
  c.lists.push(list);
  c.size += list.length;
  if (!sorted) c.sorted = false;
}

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

/** A window of a ranking, and how many it holds in all (up to the `need` asked for). */
export interface Ranking {
  ids: number[];
  count: number;
}

/** Counts ids as they come, keeping those at positions [from, from + keep). */
class Window {
  readonly ids: number[] = [];
  count = 0;

  constructor(
    private readonly from: number,
    private readonly keep: number,
  ) {}

  add(id: number): void {
    if (this.count >= this.from && this.count < this.from + this.keep) this.ids.push(id);
    this.count++;
  }
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

/**
 * What an index is built from, by rank (name order). A rank whose product is not to be indexed (a
 * parent of variants, gone meanwhile) is a hole: present = 0. The SKU and barcode orders come from
 * SQLite's indexes, sparing the build two sorts (checked, and sorted here if wrong).
 */
export interface Columns {
  ids: Int32Array;
  /** Doc.text. */
  texts: string[];
  skus: string[];
  categories: Int32Array;
  brands: string[];
  stocked: Uint8Array;
  present: Uint8Array;
  /** Ranks with an SKU, by SKU. */
  skuOrder: number[];
  /** Every normalized barcode of the ranks, by barcode, and its rank. */
  barcodeKeys: string[];
  barcodeRanks: number[];
  /** Ranks by product id. */
  idOrder: number[];
}

/** Empty columns for `n` ranks. */
export function emptyColumns(n: number): Columns {
  return {
    ids: new Int32Array(n),
    texts: new Array<string>(n).fill(''),
    skus: new Array<string>(n).fill(''),
    categories: new Int32Array(n).fill(-1),
    brands: new Array<string>(n).fill(''),
    stocked: new Uint8Array(n),
    present: new Uint8Array(n),
    skuOrder: [],
    barcodeKeys: [],
    barcodeRanks: [],
    idOrder: [],
  };
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
  /**
   * The distinct suffixes of the tokens, sorted, each as a token and an offset into it (no string
   * of its own); suffixTokens[suffixStart[i]…] = token << 1 | (1 if at a word start), for every
   * token having suffix i.
   */
  private readonly suffixToken: Int32Array;
  private readonly suffixOffset: Int32Array;
  private readonly suffixStart: Int32Array;
  private readonly suffixTokens: Int32Array;

  /** Gram character ids by UTF-16 code unit (0: not in any SKU or barcode). */
  private readonly charIds = new Uint16Array(65536);
  private charCount = 0;
  private readonly gramIds = new IntMap(4096);
  private readonly gramStart: Int32Array;
  private readonly gramRanks: Int32Array;
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

    // Suffixes: a query word never starts with punctuation (it is stripped), nor with the second
    // half of a surrogate pair, so suffixes starting there are left out.
    const suffixMap = new Map<string, number[]>();
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t] as string;
      for (let k = 0; k < token.length; k++) {
        const code = token.charCodeAt(k);
        if (code >= 0xdc00 && code <= 0xdfff) continue;
        if (k > 0 && code < 0xd800 && !isWordChar(code) && PUNCTUATION_CHAR.test(token[k] as string)) continue;
        const atStart = k === 0 || !isWordChar(token.charCodeAt(k - 1)) ? 1 : 0;
        const suffix = token.slice(k);
        const list = suffixMap.get(suffix);
        if (list === undefined) suffixMap.set(suffix, [(t << 1) | atStart]);
        else list.push((t << 1) | atStart);
      }
    }
    const suffixes = [...suffixMap.keys()].sort();
    this.suffixToken = new Int32Array(suffixes.length);
    this.suffixOffset = new Int32Array(suffixes.length);
    this.suffixStart = new Int32Array(suffixes.length + 1);
    let entries = 0;
    for (const list of suffixMap.values()) entries += list.length;
    this.suffixTokens = new Int32Array(entries);
    let at = 0;
    for (let i = 0; i < suffixes.length; i++) {
      const suffix = suffixes[i] as string;
      const list = suffixMap.get(suffix) as number[];
      const t = (list[0] as number) >>> 1;
      this.suffixToken[i] = t;
      this.suffixOffset[i] = (tokens[t] as string).length - suffix.length;
      for (const entry of list) this.suffixTokens[at++] = entry;
      this.suffixStart[i + 1] = at;
    }

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
    const gramLast: number[] = [];
    const rankGrams = new Int32Array(maxGrams);
    let gramCount = 0;
    const rankGramStart = new Int32Array(n + 1);
    const addGram = (key: number, rank: number) => {
      let g = this.gramIds.get(key);
      if (g < 0) {
        g = gramLast.length;
        this.gramIds.set(key, g);
        gramLast.push(-1);
      }
      if (gramLast[g] !== rank) {
        gramLast[g] = rank;
        rankGrams[gramCount++] = g;
      }
    };
    for (let r = 0; r < n; r++) {
      const sku = skus[r] as string;
      for (let i = 0; i < sku.length; i++) {
        const a = this.charId(sku.charCodeAt(i), true);
        addGram(a, r);
        if (i + 1 < sku.length) {
          const ab = (a << CHAR_BITS) | this.charId(sku.charCodeAt(i + 1), true);
          addGram(ab, r);
          if (i + 2 < sku.length) addGram((ab << CHAR_BITS) | this.charId(sku.charCodeAt(i + 2), true), r);
        }
      }
      for (let c = this.rankCodeStart[r] as number; c < (this.rankCodeStart[r + 1] as number); c++) {
        const code = keys[this.rankCodes[c] as number] as string;
        for (let i = 0; i + 2 < code.length; i++) {
          const key =
            (((this.charId(code.charCodeAt(i), true) << CHAR_BITS) | this.charId(code.charCodeAt(i + 1), true)) << CHAR_BITS) |
            this.charId(code.charCodeAt(i + 2), true);
          addGram(key, r);
        }
      }
      rankGramStart[r + 1] = gramCount;
    }
    [this.gramStart, this.gramRanks] = invert(gramLast.length, rankGramStart, rankGrams.subarray(0, gramCount));

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
      this.suffixToken,
      this.suffixOffset,
      this.suffixStart,
      this.suffixTokens,
      this.charIds,
      this.gramStart,
      this.gramRanks,
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
      suffixes: this.suffixToken.length,
      grams: this.gramStart.length - 1,
      postings: this.tokenRanks.length + this.gramRanks.length,
      arrayBytes: arrays.reduce((sum, a) => sum + a.byteLength, 0) + this.rankOf.bytes + this.gramIds.bytes,
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

  /** The id of a UTF-16 code unit in gram keys; 0 when no SKU or barcode has it (at query time). */
  private charId(code: number, add: boolean): number {
    const id = this.charIds[code] as number;
    if (id !== 0 || !add) return id !== 0 || this.charCount < MAX_CHAR_ID - 1 ? id : MAX_CHAR_ID;
    // Past MAX_CHAR_ID - 1 distinct characters, the rest share the last id: more candidates, still checked.
    if (this.charCount >= MAX_CHAR_ID - 1) return MAX_CHAR_ID;
    this.charIds[code] = ++this.charCount;
    return this.charCount;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** Postings of the rarest gram of `text` (3-grams; 1- and 2-grams for shorter text); null if none can match. */
  private gramList(text: string): Int32Array | null {
    const gramLength = Math.min(3, text.length);
    let best: Int32Array | null = null;
    for (let i = 0; i + gramLength <= text.length; i++) {
      let key = 0;
      for (let k = 0; k < gramLength; k++) {
        const c = this.charId(text.charCodeAt(i + k), false);
        if (c === 0) return null;
        key = (key << CHAR_BITS) | c;
      }
      const g = this.gramIds.get(key);
      if (g < 0) return null;
      const list = this.gramRanks.subarray(this.gramStart[g] as number, this.gramStart[g + 1] as number);
      if (best === null || list.length < best.length) best = list;
    }
    return best;
  }

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

  /** Suffix i compared with `word`: negative, 0 or positive (like the strings' `<`). */
  private compareSuffix(i: number, word: string): number {
    const token = this.tokens[this.suffixToken[i] as number] as string;
    const offset = this.suffixOffset[i] as number;
    const length = token.length - offset;
    const common = Math.min(length, word.length);
    for (let k = 0; k < common; k++) {
      const d = token.charCodeAt(offset + k) - word.charCodeAt(k);
      if (d !== 0) return d;
    }
    return length - word.length;
  }

  private suffixStartsWith(i: number, word: string): boolean {
    const token = this.tokens[this.suffixToken[i] as number] as string;
    return token.startsWith(word, this.suffixOffset[i] as number);
  }

  /** The first suffix not less than `word`. */
  private suffixLowerBound(word: string): number {
    let lo = 0;
    let hi = this.suffixToken.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareSuffix(mid, word) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
    for (let i = this.suffixLowerBound(word); i < this.suffixToken.length && this.suffixStartsWith(i, word); i++) {
      for (let e = this.suffixStart[i] as number; e < (this.suffixStart[i + 1] as number); e++) {
        const entry = this.suffixTokens[e] as number;
        const t = entry >>> 1;
        const flag = (entry & 1) === 1 ? 2 : 1;
        const before = marks[t] as number;
        if ((before & flag) !== 0) continue;
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
      }
    }
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
      addList(start, this.prefixRange(skuOrder, (i) => skus[skuOrder[i] as number] as string, term.sku), false);
      const list = this.gramList(term.sku);
      if (list !== null) {
        skuCheck = true;
        addList(all, list);
        addList(inside, list);
      }
    }
    if (term.barcode.length >= TRIGRAM) {
      addList(start, this.prefixRange(this.barcodeRanks, (i) => barcodeKeys[i] as string, term.barcode), false);
      const list = this.gramList(term.barcode);
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

function isSorted<T>(list: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1] as T, list[i] as T) > 0) return false;
  return true;
}

/**
 * Posting lists (CSR) from per-item keys: for each key, the items holding it, ascending.
 * `docStart`/`docKeys` give item i's keys; with `single`, item i has exactly key docKeys[i].
 */
function invert(keys: number, docStart: Int32Array, docKeys: Int32Array, single = false): [Int32Array, Int32Array] {
  const start = new Int32Array(keys + 1);
  for (let i = 0; i < docKeys.length; i++) {
    const key = docKeys[i] as number;
    start[key + 1] = (start[key + 1] as number) + 1;
  }
  for (let k = 0; k < keys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const postings = new Int32Array(docKeys.length);
  const fill = start.slice(0, keys);
  const items = single ? docKeys.length : docStart.length - 1;
  for (let item = 0; item < items; item++) {
    const from = single ? item : (docStart[item] as number);
    const to = single ? item + 1 : (docStart[item + 1] as number);
    for (let i = from; i < to; i++) {
      const key = docKeys[i] as number;
      postings[fill[key] as number] = item;
      fill[key] = (fill[key] as number) + 1;
    }
  }
  return [start, postings];
}

/** A hash map from non-negative int32 keys to int32 values (open addressing): -1 when absent. */
class IntMap {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Int32Array(capacity).fill(-1);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  get(key: number): number {
    const keys = this.keys;
    for (let i = Math.imul(key, 0x9e3779b1) & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i] as number;
      if (k === key) return this.values[i] as number;
      if (k === -1) return -1;
    }
  }

  set(key: number, value: number): void {
    const keys = this.keys;
    for (let i = Math.imul(key, 0x9e3779b1) & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i] as number;
      if (k === key || k === -1) {
        if (k === -1) this.count++;
        keys[i] = key;
        this.values[i] = value;
        break;
      }
    }
    if (this.count * 2 > keys.length) this.grow();
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if ((keys[i] as number) !== -1) this.set(keys[i] as number, values[i] as number);
  }
}
